// Hand-written against the documented safety API (issue 5): alerts to crews, acknowledgements,
// resolve/cancel, and check-in timers. Regenerate from `/api/v1/safety/schema/` once it lands.
import { request, type Page } from './http';
import type { LatLng } from './events';
import type { PublicUser } from './groups';

export type AlertType = 'help' | 'medical' | 'harassment' | 'lost' | 'other' | 'missed_check_in';
export const RAISABLE_ALERT_TYPES: readonly AlertType[] = ['help', 'medical', 'harassment', 'lost', 'other'];
export type AlertStatus = 'open' | 'resolved' | 'cancelled';
export type AckKind = 'seen' | 'on_my_way' | 'with_them';
export const ACK_KINDS: readonly AckKind[] = ['seen', 'on_my_way', 'with_them'];

export interface Acknowledgement {
  user: PublicUser;
  kind: AckKind;
  created_at: string;
}

export interface SafetyAlert {
  id: string;
  group_ids: string[];
  sender: PublicUser;
  alert_type: AlertType;
  message: string;
  location: LatLng | null;
  status: AlertStatus;
  acknowledgements: Acknowledgement[];
  created_at: string;
  resolved_at?: string | null;
}

export interface AlertInput {
  group_ids: string[];
  alert_type: AlertType;
  message: string;
  location: LatLng | null;
}

export interface CheckIn {
  id: string;
  crew: { id: string; name: string };
  due_at: string;
  status: 'active' | 'checked_in' | 'cancelled' | 'fired';
  message: string;
  fired_alert_id: string | null;
}

/** Lists may come paginated or bare; take the items either way. */
function items<T>(data: Page<T> | T[]): T[] {
  return Array.isArray(data) ? data : data.results;
}

export const safetyApi = {
  raise: (input: AlertInput) => request<SafetyAlert>('safety/alerts/', { method: 'POST', body: input }),
  openInMyCrews: async (signal?: AbortSignal) =>
    items(await request<Page<SafetyAlert> | SafetyAlert[]>('safety/alerts/', { query: { status: 'open' }, signal })),
  get: (id: string, signal?: AbortSignal) => request<SafetyAlert>(`safety/alerts/${id}/`, { signal }),
  acknowledge: (id: string, kind: AckKind) =>
    request<SafetyAlert>(`safety/alerts/${id}/acknowledge/`, { method: 'POST', body: { kind } }),
  resolve: (id: string, note = '') =>
    request<SafetyAlert>(`safety/alerts/${id}/resolve/`, { method: 'POST', body: { note } }),
  cancel: (id: string) => request<SafetyAlert>(`safety/alerts/${id}/cancel/`, { method: 'POST' }),
  sendLocation: (id: string, location: LatLng) =>
    request<void>(`safety/alerts/${id}/locations/`, { method: 'POST', body: location }),
  checkIns: async (signal?: AbortSignal) =>
    items(await request<Page<CheckIn> | CheckIn[]>('safety/check-ins/mine/', { query: { status: 'active' }, signal })),
  createCheckIn: (input: { group_id: string; due_at: string; message?: string }) =>
    request<CheckIn>('safety/check-ins/', { method: 'POST', body: input }),
  extendCheckIn: (id: string, due_at: string) =>
    request<CheckIn>(`safety/check-ins/${id}/extend/`, { method: 'POST', body: { due_at } }),
  checkIn: (id: string) => request<CheckIn>(`safety/check-ins/${id}/check-in/`, { method: 'POST' }),
  cancelCheckIn: (id: string) => request<CheckIn>(`safety/check-ins/${id}/cancel/`, { method: 'POST' }),
};

/** A `safety_alert` socket frame: the alert itself, or `{alert: {...}}` with an `event` name. */
export function alertFromFrame(frame: Record<string, unknown>): Partial<SafetyAlert> & { id: string } | null {
  const candidate = (typeof frame.alert === 'object' && frame.alert !== null ? frame.alert : frame) as Record<string, unknown>;
  const id = candidate.id ?? candidate.alert_id;
  if (typeof id !== 'string') return null;
  return { ...(candidate as Partial<SafetyAlert>), id };
}
