import type { components } from './schema/safety';
import { request, type Page } from './http';

type S = components['schemas'];
export type AlertType = S['AlertTypeEnum'];
/** What a person may raise (`missed_check_in` is the check-in timers' own). */
export type RaisableAlertType = S['AlertCreateInputAlertTypeEnum'];
export const RAISABLE_ALERT_TYPES: readonly RaisableAlertType[] = ['help', 'medical', 'harassment', 'lost', 'other'];
export type AlertStatus = S['AlertStatusEnum'];
export type AckKind = S['AcknowledgementKindEnum'];
export const ACK_KINDS: readonly AckKind[] = ['seen', 'on_my_way', 'with_them'];
export type Acknowledgement = S['AcknowledgementOutput'];
export type TrailPoint = S['TrailPointOutput'];

/** An alert as the lists return it: no acknowledgements, no trail. */
export type AlertSummary = S['AlertOutput'];
/** One alert (`alerts/{id}/`, and the answer to raise, resolve and cancel): with who answered. */
export type AlertDetail = S['AlertDetailOutput'];
/** An alert as the app holds it: from a list (no acknowledgements yet) or in detail. */
export type SafetyAlert = AlertSummary & Partial<Pick<AlertDetail, 'acknowledgements' | 'trail'>>;
/** Raising an alert: `location` when the phone knows where it is; without it (left out or null)
 * the alert goes out all the same, `location: null` ("position not known yet"), and positions
 * follow through `sendLocation`. */
export type AlertInput = S['AlertCreateInputRequest'];
export type AlertPosition = S['LocationInputRequest'];
export type AlertLocationInput = S['AlertLocationAddInputRequest'];

export type CheckIn = S['CheckInOutput'];
export type CheckInInput = S['CheckInCreateInputRequest'];

export const safetyApi = {
  raise: (input: AlertInput) => request<AlertDetail>('safety/alerts/', { method: 'POST', body: input }),
  openInMyCrews: async (signal?: AbortSignal) =>
    (await request<Page<AlertSummary>>('safety/alerts/', { query: { status: 'open' }, signal })).results,
  get: (id: string, signal?: AbortSignal) => request<AlertDetail>(`safety/alerts/${id}/`, { signal }),
  /** Answers with the acknowledgement alone; fetch the alert again to see it in place. */
  acknowledge: (id: string, kind: AckKind) =>
    request<Acknowledgement>(`safety/alerts/${id}/acknowledge/`, { method: 'POST', body: { kind } }),
  resolve: (id: string, note = '') =>
    request<AlertDetail>(`safety/alerts/${id}/resolve/`, { method: 'POST', body: { note } }),
  cancel: (id: string) => request<AlertDetail>(`safety/alerts/${id}/cancel/`, { method: 'POST' }),
  sendLocation: (id: string, location: AlertLocationInput) =>
    request<TrailPoint>(`safety/alerts/${id}/locations/`, { method: 'POST', body: location }),
  checkIns: async (signal?: AbortSignal) =>
    (await request<Page<CheckIn>>('safety/check-ins/mine/', { query: { status: 'active' }, signal })).results,
  createCheckIn: (input: CheckInInput) => request<CheckIn>('safety/check-ins/', { method: 'POST', body: input }),
  extendCheckIn: (id: string, due_at: string) =>
    request<CheckIn>(`safety/check-ins/${id}/extend/`, { method: 'POST', body: { due_at } }),
  checkIn: (id: string) => request<CheckIn>(`safety/check-ins/${id}/check-in/`, { method: 'POST' }),
  cancelCheckIn: (id: string) => request<CheckIn>(`safety/check-ins/${id}/cancel/`, { method: 'POST' }),
};
