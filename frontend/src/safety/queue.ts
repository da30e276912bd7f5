/** Alerts raised while offline, kept on the device until the safety API has taken them.
 *
 * They live in IndexedDB (through idb-keyval), so they survive a closed tab or a restarted
 * phone, and the page and the service worker see the same store. The queue is sent, oldest
 * first, when the connection returns (the window's `online` event), when the app starts, and
 * when the service worker posts `{type: 'flush-alert-queue'}` (on its Background Sync `sync`
 * event with tag `crewup-alert-queue`, registered here whenever an alert is queued).
 *
 * Never twice: one flush runs at a time (in this page, and across tabs through the Web Locks
 * API where there is one), and an alert leaves the queue only after the API answered 2xx, or
 * refused it for good (a 4xx other than 401 and 429, which the user is told about).
 */
import { clear, createStore, del, entries, set, type UseStore } from 'idb-keyval';
import { ApiError } from '../api/http';
import type { AlertDetail, AlertInput } from '../api/safety';

export const SYNC_TAG = 'crewup-alert-queue';
export const FLUSH_MESSAGE = 'flush-alert-queue';
const DATABASE = 'crewup-alert-queue';
const STORE = 'alerts';
const LOCK = 'crewup-alert-queue';

export interface QueuedAlert {
  /** This device's own id for the queued alert. */
  id: string;
  /** Whose alert it is: it goes out only with their token. */
  username: string;
  input: AlertInput;
  /** When it was queued (ms since the epoch). */
  queuedAt: number;
}

export type FlushOutcome =
  | { kind: 'sent'; entry: QueuedAlert; alert: AlertDetail }
  | { kind: 'refused'; entry: QueuedAlert; error: ApiError };

let store: UseStore | null = null;
// Where IndexedDB is missing or fails (some private modes): the alert is at least kept while
// the page is open, and sent on the same triggers.
const memory = new Map<string, QueuedAlert>();
// Sent from this page: never listed again, even if taking it out of the store failed.
const sent = new Set<string>();

function idb(): UseStore | null {
  if (typeof indexedDB === 'undefined') return null;
  store ??= createStore(DATABASE, STORE);
  return store;
}

function newId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/** Whether the API refused the alert for good: a 4xx other than 401 (sign in again) and 429
 * (too many at once), which may go through later. Network failures and 5xx are not final. */
export function isFinalRefusal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 429;
}

/** Keep an alert for sending when the connection returns, and ask the service worker to wake
 * the page for it (Background Sync, where the browser has it). */
export async function enqueueAlert(username: string, input: AlertInput, now: number = Date.now()): Promise<QueuedAlert> {
  const entry: QueuedAlert = { id: newId(), username, input, queuedAt: now };
  const db = idb();
  try {
    if (!db) throw new Error('no IndexedDB');
    await set(entry.id, entry, db);
  } catch {
    memory.set(entry.id, entry);
  }
  requestBackgroundSync();
  return entry;
}

/** The queued alerts, oldest first; only `username`'s when given. */
export async function queuedAlerts(username?: string): Promise<QueuedAlert[]> {
  const db = idb();
  let stored: QueuedAlert[] = [];
  if (db) {
    try {
      stored = (await entries<string, QueuedAlert>(db)).map(([, entry]) => entry);
    } catch {
      stored = [];
    }
  }
  return [...stored, ...memory.values()]
    .filter((entry) => !sent.has(entry.id) && (username === undefined || entry.username === username))
    .sort((a, b) => a.queuedAt - b.queuedAt);
}

async function remove(id: string): Promise<void> {
  memory.delete(id);
  const db = idb();
  if (db) await del(id, db);
}

type SyncRegistration = ServiceWorkerRegistration & { sync?: { register(tag: string): Promise<void> } };

/** Register the Background Sync tag the service worker answers with a flush message. */
export function requestBackgroundSync(): void {
  if (typeof navigator === 'undefined') return;
  navigator.serviceWorker?.ready
    .then((registration) => (registration as SyncRegistration).sync?.register(SYNC_TAG))
    .catch(() => {});
}

async function flushOnce(username: string, send: (entry: QueuedAlert) => Promise<AlertDetail>): Promise<FlushOutcome[]> {
  const outcomes: FlushOutcome[] = [];
  for (const entry of await queuedAlerts(username)) {
    let alert: AlertDetail;
    try {
      alert = await send(entry);
    } catch (error) {
      if (!isFinalRefusal(error)) break; // still offline, or the server is away: keep them all, in order
      await remove(entry.id);
      outcomes.push({ kind: 'refused', entry, error });
      continue;
    }
    sent.add(entry.id);
    outcomes.push({ kind: 'sent', entry, alert });
    await remove(entry.id);
  }
  return outcomes;
}

/** Run `run` holding the queue's lock across tabs (Web Locks), where the browser has it. */
async function withLock<T>(run: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? (navigator.locks as LockManager | undefined) : undefined;
  if (!locks) return run();
  let result!: T;
  await locks.request(LOCK, async () => {
    result = await run();
  });
  return result;
}

let running: Promise<FlushOutcome[]> | null = null;
let again = false;

/** Send `username`'s queued alerts, oldest first, each at most once; stop at the first that
 * cannot go yet. A call while a flush runs joins it (and makes it look once more, for an alert
 * queued meanwhile). Returns what was sent and what was refused for good. */
export function flushAlertQueue(username: string, send: (entry: QueuedAlert) => Promise<AlertDetail>): Promise<FlushOutcome[]> {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    const outcomes: FlushOutcome[] = [];
    do {
      again = false;
      outcomes.push(...(await withLock(() => flushOnce(username, send))));
    } while (again);
    return outcomes;
  })().finally(() => {
    running = null;
  });
  return running;
}

/** Empty the queue and this page's memory of it (tests only). */
export async function clearAlertQueueForTests(): Promise<void> {
  memory.clear();
  sent.clear();
  const db = idb();
  if (db) await clear(db);
}
