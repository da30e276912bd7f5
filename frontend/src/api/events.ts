import type { components } from './schema/events';
import { request, type Page } from './http';

type S = components['schemas'];
export type EventType = S['EventTypeEnum'];
export type RsvpStatus = S['ParticipationStatusEnum'];
export type LatLng = { lat: number; lng: number };
/** An event as the API returns it (`distance_km` is null unless `lat`/`lng` were asked for). */
export type CrewEvent = Omit<S['EventOutput'], 'distance_km' | 'my_status'> & {
  readonly distance_km: number | null;
  readonly my_status: RsvpStatus | null;
};
export type EventInput = S['EventCreateInputRequest'];
/** A venue, street or address the event form's venue field offers (`GET events/places/`). */
export type Place = S['PlaceOutput'];
export type PlaceKind = S['PlaceKindEnum'];
export type Participation = Omit<S['ParticipationOutput'], 'waitlist_position'> & {
  readonly waitlist_position: number | null;
};

export const EVENT_TYPES: readonly EventType[] = ['bar', 'club', 'concert', 'party', 'restaurant', 'outdoor', 'sports', 'other'];

export interface EventQuery {
  q?: string;
  type?: readonly EventType[];
  starts_after?: string;
  starts_before?: string;
  lat?: number;
  lng?: number;
  radius_km?: number;
  /** min_lng,min_lat,max_lng,max_lat */
  bbox?: string;
  organizer?: 'me' | string;
  my_status?: readonly RsvpStatus[];
  include_past?: boolean;
  page?: number;
  page_size?: number;
}

export const eventsApi = {
  list: (query: EventQuery, signal?: AbortSignal) =>
    request<Page<CrewEvent>>('events/', { query: { ...query }, signal }),
  get: (id: string, signal?: AbortSignal) => request<CrewEvent>(`events/${id}/`, { signal }),
  create: (input: EventInput) => request<CrewEvent>('events/', { method: 'POST', body: input }),
  update: (id: string, input: Partial<EventInput>) =>
    request<CrewEvent>(`events/${id}/`, { method: 'PATCH', body: input }),
  cancel: (id: string) => request<void>(`events/${id}/`, { method: 'DELETE' }),
  join: (id: string, status: RsvpStatus) =>
    request<Participation>(`events/${id}/join/`, { method: 'POST', body: { status } }),
  leave: (id: string) => request<void>(`events/${id}/leave/`, { method: 'DELETE' }),
  participants: (id: string, page = 1, signal?: AbortSignal) =>
    request<Page<Participation>>(`events/${id}/participants/`, { query: { page, page_size: 100 }, signal }),
  /** Places whose name or address matches `q` (2-100 characters), the nearer of equals first. */
  places: (q: string, near: LatLng | null, signal?: AbortSignal) =>
    request<Place[]>('events/places/', { query: { q, ...(near ? { near: `${near.lat},${near.lng}` } : {}) }, signal }),
  /** The `.ics` file's address, for a plain link (calendar apps open it). */
  calendarPath: (id: string) => `api/v1/events/${id}/calendar.ics`,
};

/** `min_lng,min_lat,max_lng,max_lat` from a map's bounds, clamped to the valid ranges. */
export function bboxParam(south: number, west: number, north: number, east: number): string {
  const clamp = (value: number, limit: number) => Math.max(-limit, Math.min(limit, value));
  const round = (value: number) => Number(value.toFixed(5));
  return [clamp(west, 180), clamp(south, 90), clamp(east, 180), clamp(north, 90)].map(round).join(',');
}
