import { bboxParam, EVENT_TYPES, type EventQuery, type EventType, type LatLng } from '../api/events';
import type { MapBox } from '../map/EventsMap';

export type When = 'any' | 'today' | 'week' | 'weekend' | 'month';
export const WHEN_OPTIONS: readonly When[] = ['any', 'today', 'week', 'weekend', 'month'];
export const DISTANCE_OPTIONS: readonly number[] = [1, 2, 5, 10, 25, 50, 100];

export interface DiscoverFilters {
  q: string;
  type: EventType | '';
  when: When;
  km: number | null;
  place: string;
}

export function filtersFromParams(params: URLSearchParams): DiscoverFilters {
  const type = params.get('type') ?? '';
  const when = params.get('when') ?? 'any';
  const km = Number(params.get('km'));
  return {
    q: params.get('q') ?? '',
    type: (EVENT_TYPES as readonly string[]).includes(type) ? (type as EventType) : '',
    when: (WHEN_OPTIONS as readonly string[]).includes(when) ? (when as When) : 'any',
    km: DISTANCE_OPTIONS.includes(km) ? km : null,
    place: params.get('place') ?? '',
  };
}

export function paramsFromFilters(filters: DiscoverFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.type) params.set('type', filters.type);
  if (filters.when !== 'any') params.set('when', filters.when);
  if (filters.km) params.set('km', String(filters.km));
  if (filters.place) params.set('place', filters.place);
  return params;
}

/** The time window of a `when` choice, from `now`, in local time. */
export function timeWindow(when: When, now: Date = new Date()): { starts_after?: string; starts_before?: string } {
  const startOfDay = new Date(now);
  startOfDay.setHours(0, 0, 0, 0);
  const days = (n: number) => new Date(startOfDay.getTime() + n * 86_400_000);
  switch (when) {
    case 'today':
      return { starts_after: now.toISOString(), starts_before: days(1).toISOString() };
    case 'week':
      return { starts_after: now.toISOString(), starts_before: days(7).toISOString() };
    case 'weekend': {
      const day = now.getDay(); // 0 Sunday … 6 Saturday
      const toSaturday = day === 0 ? -1 : 6 - day;
      const saturday = days(toSaturday);
      const monday = new Date(saturday.getTime() + 2 * 86_400_000);
      const from = saturday > now ? saturday : now;
      return { starts_after: from.toISOString(), starts_before: monday.toISOString() };
    }
    case 'month':
      return { starts_after: now.toISOString(), starts_before: days(30).toISOString() };
    default:
      return {};
  }
}

/** The event query of Discover: the map box always, text/type/time, and a radius when chosen. */
export function buildEventQuery(filters: DiscoverFilters, box: MapBox | null, center: LatLng, now?: Date): EventQuery {
  const query: EventQuery = { page_size: 100, ...timeWindow(filters.when, now) };
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.type) query.type = [filters.type];
  if (box) query.bbox = bboxParam(box.south, box.west, box.north, box.east);
  if (filters.km) {
    query.lat = Number(center.lat.toFixed(5));
    query.lng = Number(center.lng.toFixed(5));
    query.radius_km = filters.km;
  }
  return query;
}
