/**
 * What the live frames say about an alert, and how what the app holds takes it in without
 * asking the API again. The safety service sends every change to the crews' chat sockets as a
 * `safety_alert` frame (shared/shared/safety/live.py, shared/shared/chat/alerts.py):
 * - `raised`, `resolved`, `cancelled` {alert_id, alert: the alert's own fields, message};
 * - `acknowledged` {alert_id, acknowledgement: {user, kind, created_at, updated_at}};
 * - `location` {alert_id, location: {lat, lng, recorded_at, accuracy_m}}.
 * Frames come at most once, more than once (one per crew, and the chat page's socket besides)
 * and out of order with the API's answers: every merge here is idempotent, keeps an alert
 * closed once it is, and keeps the newer of two answers or positions.
 */
import type { Acknowledgement, SafetyAlert, TrailPoint } from '../api/safety';

export type AlertChange =
  | { kind: 'alert'; id: string; alert: Partial<SafetyAlert> }
  | { kind: 'acknowledged'; id: string; acknowledgement: Acknowledgement }
  | { kind: 'location'; id: string; point: TrailPoint };

// The fields of an alert that a notice frame carries (it adds its crew and event, not ours).
const NOTICE_FIELDS = ['alert_type', 'message', 'status', 'sender', 'location', 'created_at', 'resolved_at', 'resolved_by', 'resolution_note', 'cancelled_at', 'check_in_due_at'] as const;
const CLOSURE_FIELDS = ['status', 'resolved_at', 'resolved_by', 'resolution_note', 'cancelled_at'] as const;
// The trail a detail answer carries (the safety API's DETAIL_TRAIL_LENGTH).
const TRAIL_KEPT = 100;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** The change a `safety_alert` frame brings, or null for a frame this app cannot use. */
export function changeFromFrame(frame: Record<string, unknown>): AlertChange | null {
  const alert = isObject(frame.alert) ? frame.alert : null;
  const id = frame.alert_id ?? alert?.id;
  if (typeof id !== 'string') return null;
  if (frame.change === 'acknowledged') {
    const ack = frame.acknowledgement;
    if (!isObject(ack) || !isObject(ack.user) || typeof ack.user.id !== 'string' || typeof ack.kind !== 'string') return null;
    return { kind: 'acknowledged', id, acknowledgement: ack as unknown as Acknowledgement };
  }
  if (frame.change === 'location') {
    const point = frame.location;
    if (!isObject(point) || typeof point.lat !== 'number' || typeof point.lng !== 'number' || typeof point.recorded_at !== 'string') return null;
    return { kind: 'location', id, point: { lat: point.lat, lng: point.lng, recorded_at: point.recorded_at, accuracy_m: typeof point.accuracy_m === 'number' ? point.accuracy_m : null } };
  }
  if (!alert) return null;
  const fields: Partial<Record<string, unknown>> = { id };
  for (const name of NOTICE_FIELDS) if (alert[name] !== undefined) fields[name] = alert[name];
  return { kind: 'alert', id, alert: fields as Partial<SafetyAlert> };
}

/** Whether a frame's alert has enough to be shown before the API answers with the rest. */
export function isShowable(alert: Partial<SafetyAlert>): boolean {
  return typeof alert.id === 'string' && isObject(alert.sender) && typeof alert.alert_type === 'string' && typeof alert.status === 'string' && typeof alert.created_at === 'string';
}

function time(moment: string | null | undefined): number {
  const parsed = moment ? Date.parse(moment) : NaN;
  return Number.isNaN(parsed) ? -Infinity : parsed;
}

function laterPoint<T extends { recorded_at: string }>(a: T | null | undefined, b: T | null | undefined): T | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return time(b.recorded_at) >= time(a.recorded_at) ? b : a;
}

/** Everyone's latest answer: one per person, the later of two. */
function mergeAcks(a: Acknowledgement[] | undefined, b: Acknowledgement[] | undefined): Acknowledgement[] | undefined {
  if (!a) return b;
  if (!b) return a;
  const byUser = new Map(a.map((ack) => [ack.user.id, ack]));
  for (const ack of b) {
    const held = byUser.get(ack.user.id);
    if (!held || time(ack.updated_at) >= time(held.updated_at)) byUser.set(ack.user.id, ack);
  }
  return [...byUser.values()];
}

/** The points of both, once each, oldest first; the latest TRAIL_KEPT of them. */
function mergeTrail(a: TrailPoint[] | undefined, b: TrailPoint[] | undefined): TrailPoint[] | undefined {
  if (!a) return b;
  if (!b) return a;
  const byKey = new Map<string, TrailPoint>();
  for (const point of [...a, ...b]) byKey.set(`${point.recorded_at}|${point.lat}|${point.lng}`, point);
  return [...byKey.values()].sort((x, y) => time(x.recorded_at) - time(y.recorded_at)).slice(-TRAIL_KEPT);
}

/** A new alert known only from a frame: the fields it lacks until the API answers. */
const UNKNOWN: Omit<SafetyAlert, 'id' | 'alert_type' | 'message' | 'status' | 'sender' | 'created_at'> = {
  location: null,
  latest_location: null,
  crews: [],
  cancellable_until: null,
  resolved_at: null,
  resolved_by: null,
  resolution_note: '',
  cancelled_at: null,
  check_in_due_at: null,
};

/**
 * `incoming` (an API answer or a frame's alert) over what is held: its fields win, except that
 * a closed alert stays closed (an older answer may still say open), a position never goes back
 * to none or to an older one, and answers and trail points add up.
 */
export function mergeAlert(current: SafetyAlert | undefined, incoming: Partial<SafetyAlert> & { id: string }): SafetyAlert {
  const defined = Object.fromEntries(Object.entries(incoming).filter(([, value]) => value !== undefined)) as Partial<SafetyAlert>;
  if (!current) return { ...UNKNOWN, ...defined } as SafetyAlert;
  const reopened = current.status !== 'open' && defined.status === 'open';
  const acknowledgements = mergeAcks(current.acknowledgements, incoming.acknowledgements);
  const trail = mergeTrail(current.trail, incoming.trail);
  return {
    ...current,
    ...defined,
    ...(reopened ? Object.fromEntries(CLOSURE_FIELDS.map((name) => [name, current[name]])) : {}),
    location: defined.location ?? current.location,
    latest_location: laterPoint(current.latest_location, incoming.latest_location),
    ...(acknowledgements ? { acknowledgements } : {}),
    ...(trail ? { trail } : {}),
  };
}

/** A held alert with a frame's change in it. */
export function applyChange(current: SafetyAlert, change: AlertChange): SafetyAlert {
  switch (change.kind) {
    case 'alert':
      return mergeAlert(current, { ...change.alert, id: change.id });
    case 'acknowledged':
      // A listed alert (answers not fetched yet) gets the one that came: better than none.
      return { ...current, acknowledgements: mergeAcks(current.acknowledgements ?? [], [change.acknowledgement]) };
    case 'location': {
      const { point } = change;
      return {
        ...current,
        // The first position of an alert raised without one becomes its location.
        location: current.location ?? { lat: point.lat, lng: point.lng },
        latest_location: laterPoint(current.latest_location, point),
        ...(current.trail ? { trail: mergeTrail(current.trail, [point]) } : {}),
      };
    }
  }
}
