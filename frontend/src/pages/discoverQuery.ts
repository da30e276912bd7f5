import { bboxParam, EVENT_TYPES, type EventQuery, type EventType, type LatLng } from '../api/events';
import type { MapBox } from '../map/EventsMap';

export type When = 'any' | 'today' | 'week' | 'weekend' | 'month';
export const WHEN_OPTIONS: readonly When[] = ['any', 'today', 'week', 'weekend', 'month'];
export const DISTANCE_OPTIONS: readonly number[] = [1, 2, 5, 10, 25, 50, 100];
/** The radius searched around the chosen place when none is chosen: a city. */
export const DEFAULT_KM = 10;

/**
 * What Discover searches: text, type and time in an area, which is the chosen place (a city, or
 * where I am) and a radius around it; or, after "search this area", the box the map showed. The
 * map's viewport never narrows a search by itself, so a phone and a desktop find the same.
 */
export interface DiscoverFilters {
  q: string;
  type: EventType | '';
  when: When;
  km: number;
  place: string;
  area: MapBox | null;
}

/** A box from `south,west,north,east` in the address bar, or null when it is not one. */
function parseArea(value: string | null): MapBox | null {
  const parts = (value ?? '').split(',').map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite)) return null;
  const [south, west, north, east] = parts as [number, number, number, number];
  const inWorld = Math.abs(south) <= 90 && Math.abs(north) <= 90 && Math.abs(west) <= 180 && Math.abs(east) <= 180;
  return inWorld && south < north && west < east ? { south, west, north, east } : null;
}

const round = (value: number) => Number(value.toFixed(5));

export function filtersFromParams(params: URLSearchParams): DiscoverFilters {
  const type = params.get('type') ?? '';
  const when = params.get('when') ?? 'any';
  const km = Number(params.get('km'));
  return {
    q: params.get('q') ?? '',
    type: (EVENT_TYPES as readonly string[]).includes(type) ? (type as EventType) : '',
    when: (WHEN_OPTIONS as readonly string[]).includes(when) ? (when as When) : 'any',
    km: DISTANCE_OPTIONS.includes(km) ? km : DEFAULT_KM,
    place: params.get('place') ?? '',
    area: parseArea(params.get('area')),
  };
}

export function paramsFromFilters(filters: DiscoverFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q) params.set('q', filters.q);
  if (filters.type) params.set('type', filters.type);
  if (filters.when !== 'any') params.set('when', filters.when);
  if (filters.km !== DEFAULT_KM) params.set('km', String(filters.km));
  if (filters.place) params.set('place', filters.place);
  if (filters.area) params.set('area', [filters.area.south, filters.area.west, filters.area.north, filters.area.east].map(round).join(','));
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

/** The event query of Discover: text/type/time in the area (the place's radius, or the box). */
export function buildEventQuery(filters: DiscoverFilters, center: LatLng, now?: Date): EventQuery {
  const query: EventQuery = { page_size: 100, ...timeWindow(filters.when, now) };
  if (filters.q.trim()) query.q = filters.q.trim();
  if (filters.type) query.type = [filters.type];
  if (filters.area) {
    query.bbox = bboxParam(filters.area.south, filters.area.west, filters.area.north, filters.area.east);
  } else {
    query.lat = round(center.lat);
    query.lng = round(center.lng);
    query.radius_km = filters.km;
  }
  return query;
}

export const centerOf = (box: MapBox): LatLng => ({ lat: (box.south + box.north) / 2, lng: (box.west + box.east) / 2 });

/** Whether the map now shows somewhere else than the area searched: then "search this area". */
export function movedAway(view: MapBox, searched: LatLng, distanceKm: (a: LatLng, b: LatLng) => number): boolean {
  const middle = centerOf(view);
  const halfWidth = distanceKm(middle, { lat: middle.lat, lng: view.east });
  return distanceKm(middle, searched) > Math.max(0.3, halfWidth / 2);
}
