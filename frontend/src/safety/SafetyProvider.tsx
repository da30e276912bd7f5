import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useAuth } from '../auth/AuthProvider';
import { groupsApi, type Crew } from '../api/groups';
import { ApiError } from '../api/http';
import { alertFromFrame, safetyApi, type AckKind, type AlertInput, type SafetyAlert } from '../api/safety';
import { ChatConnection } from '../chat/connection';
import { wsUrl } from '../config';
import { useMembershipChanges } from '../notifications/NotificationsProvider';
import { asLocationInput, bestKnownPosition, watchPositions } from './position';
import { enqueueAlert, FLUSH_MESSAGE, flushAlertQueue, isFinalRefusal, queuedAlerts, type QueuedAlert } from './queue';

const POLL_MS = 20_000;
const MINE_POLL_MS = 3_000;
// The trail of my open alert: the first fix goes at once, then one every 15 s at most (a
// walking pace moves ~20 m in that time; more often only costs battery and requests).
const LOCATION_EVERY_MS = 15_000;
// While alerts wait in the queue, try again this often besides the `online` event (a 5xx or
// a rate limit gives no event to wait for).
const QUEUE_RETRY_MS = 30_000;
const MAX_LISTENERS = 20;

/** What became of an alert raised: sent to the crew, or queued on this device until the
 * connection returns. */
export type RaiseResult = { status: 'sent'; alert: SafetyAlert } | { status: 'queued'; entry: QueuedAlert };

/** A queued alert the API refused for good when it was finally sent. */
export interface RefusedAlert {
  entry: QueuedAlert;
  error: ApiError;
}

/** The alert with the best position at hand now, if it went without one. */
function withBestPosition(input: AlertInput): AlertInput {
  if (input.location) return input;
  const known = bestKnownPosition();
  return known ? { ...input, location: asLocationInput(known) } : input;
}

interface SafetyContextValue {
  alerts: SafetyAlert[];
  crews: Crew[];
  /** The safety API is not there (answers 404): the UI says so instead of failing. */
  unavailable: boolean;
  error: unknown;
  /** Sends at once; offline (or with the server away) it queues the alert on this device. */
  raise: (input: AlertInput) => Promise<RaiseResult>;
  /** My alerts waiting on this device for the connection to return, oldest first. */
  queued: QueuedAlert[];
  /** Queued alerts the API refused for good, until dismissed. */
  refused: RefusedAlert[];
  dismissRefused: (entryId: string) => void;
  /** Queued alerts that went out since: entry id → alert id. */
  delivered: Record<string, string>;
  acknowledge: (id: string, kind: AckKind) => Promise<void>;
  resolve: (id: string, note?: string) => Promise<void>;
  cancel: (id: string) => Promise<void>;
  onAlertFrame: (frame: Record<string, unknown>) => void;
  refreshCrews: () => void;
}

const SafetyContext = createContext<SafetyContextValue | null>(null);

export function SafetyProvider({ children }: { children: ReactNode }) {
  const { user, getToken } = useAuth();
  const [alerts, setAlerts] = useState<Map<string, SafetyAlert>>(new Map());
  const [crews, setCrews] = useState<Crew[]>([]);
  const [crewsTick, setCrewsTick] = useState(0);
  const [unavailable, setUnavailable] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [queued, setQueued] = useState<QueuedAlert[]>([]);
  const [refused, setRefused] = useState<RefusedAlert[]>([]);
  const [delivered, setDelivered] = useState<Record<string, string>>({});
  // The token's subject is not CrewUp's user id; the username is the same on both sides.
  const userId = user?.username ?? null;

  const upsert = useCallback((alert: SafetyAlert) => {
    setAlerts((current) => new Map(current).set(alert.id, { ...current.get(alert.id), ...alert }));
  }, []);

  const reloadQueue = useCallback(async () => {
    setQueued(userId ? await queuedAlerts(userId) : []);
  }, [userId]);

  // Send what waits in the queue; a queued alert goes with the best position known by now.
  const flush = useCallback(async () => {
    if (!userId) return;
    try {
      const outcomes = await flushAlertQueue(userId, (entry) => safetyApi.raise(withBestPosition(entry.input)));
      const sent = outcomes.flatMap((outcome) => (outcome.kind === 'sent' ? [outcome] : []));
      const refusedNow = outcomes.flatMap((outcome) => (outcome.kind === 'refused' ? [{ entry: outcome.entry, error: outcome.error }] : []));
      for (const { alert } of sent) upsert(alert);
      if (sent.length) setDelivered((current) => ({ ...current, ...Object.fromEntries(sent.map(({ entry, alert }) => [entry.id, alert.id])) }));
      if (refusedNow.length) setRefused((current) => [...current.filter((r) => !refusedNow.some((n) => n.entry.id === r.entry.id)), ...refusedNow]);
    } finally {
      await reloadQueue();
    }
  }, [userId, upsert, reloadQueue]);

  // The queue goes out on app start (and sign-in), when the connection returns, and when the
  // service worker's Background Sync asks for it.
  useEffect(() => {
    if (!userId) {
      setQueued([]);
      return;
    }
    const run = () => void flush().catch(() => {});
    run();
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (typeof data === 'object' && data !== null && (data as { type?: unknown }).type === FLUSH_MESSAGE) run();
    };
    window.addEventListener('online', run);
    navigator.serviceWorker?.addEventListener('message', onMessage);
    return () => {
      window.removeEventListener('online', run);
      navigator.serviceWorker?.removeEventListener('message', onMessage);
    };
  }, [userId, flush]);

  useEffect(() => {
    if (queued.length === 0) return;
    const timer = setInterval(() => void flush().catch(() => {}), QUEUE_RETRY_MS);
    return () => clearInterval(timer);
  }, [queued.length, flush]);

  const fail = useCallback((caught: unknown) => {
    if (caught instanceof ApiError && caught.isUnavailable) setUnavailable(true);
    else setError(caught);
  }, []);

  // My crews: where alerts go, and whose live channels bring alerts to me.
  useEffect(() => {
    if (!userId) {
      setCrews([]);
      setAlerts(new Map());
      return;
    }
    const controller = new AbortController();
    groupsApi
      .list({ mine: true }, controller.signal)
      .then((page) => setCrews(page.results))
      .catch(() => {});
    return () => controller.abort();
  }, [userId, crewsTick]);

  // A crew joined or left: listen to the alerts of the crews I am in now.
  useMembershipChanges(() => setCrewsTick((n) => n + 1));

  // Open alerts in my crews, now and then (the sockets bring them at once). The list leaves out
  // who answered, so each open alert is fetched in full (the list's copy when that fails).
  useEffect(() => {
    if (!userId || unavailable) return;
    let stopped = false;
    const poll = () =>
      safetyApi
        .openInMyCrews()
        .then((open) => Promise.all(open.map((alert): Promise<SafetyAlert> => safetyApi.get(alert.id).catch(() => alert))))
        .then((open) => {
          if (stopped) return;
          setAlerts((current) => {
            const next = new Map(current);
            for (const alert of open) next.set(alert.id, { ...next.get(alert.id), ...alert });
            return next;
          });
        })
        .catch((caught: unknown) => !stopped && fail(caught));
    void poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [userId, unavailable, fail]);

  const onAlertFrame = useCallback(
    (frame: Record<string, unknown>) => {
      const partial = alertFromFrame(frame);
      if (!partial) return;
      safetyApi
        .get(partial.id)
        .then(upsert)
        .catch(() => {
          if (partial.sender && partial.alert_type && partial.status) upsert(partial as SafetyAlert);
        });
    },
    [upsert],
  );

  // A listening socket per crew: safety alerts arrive on the crew's live channel.
  const crewKey = crews.map((c) => c.id).join(',');
  useEffect(() => {
    if (!userId || !crewKey) return;
    const sockets = crewKey
      .split(',')
      .slice(0, MAX_LISTENERS)
      .map((crewId) => {
        const socket = new ChatConnection({
          url: wsUrl(`ws/groups/${crewId}/chat/`),
          getToken,
          onEvent: (event) => {
            if (event.type === 'safety_alert') onAlertFrame(event.frame);
          },
          backoff: [2000, 5000, 15000, 30000],
        });
        socket.connect();
        return socket;
      });
    return () => sockets.forEach((s) => s.close());
  }, [userId, crewKey, getToken, onAlertFrame]);

  // My own open alert: follow its acknowledgements closely, and send my position as I move.
  const mine = useMemo(() => [...alerts.values()].filter((a) => a.status === 'open' && a.sender.username === userId), [alerts, userId]);
  // My alerts being resolved or cancelled take no more positions, and wait for the one on its
  // way: a position arriving after the closure would only be refused (409).
  const closing = useRef(new Set<string>());
  const positionsOnTheirWay = useRef<Promise<unknown>>(Promise.resolve());
  const mineKey = mine.map((a) => a.id).join(',');
  useEffect(() => {
    if (!mineKey) return;
    const ids = mineKey.split(',');
    const timer = setInterval(() => {
      for (const id of ids) safetyApi.get(id).then(upsert).catch(() => {});
    }, MINE_POLL_MS);
    // Keep asking for a fix while it is open (an alert may have gone without one), and add each
    // to the trail: the first at once, then at most one per LOCATION_EVERY_MS.
    let lastSent = 0;
    let sending = false;
    const stopWatching = watchPositions((position) => {
      const now = Date.now();
      // The API stamps a trail point with its arrival: an old cached fix would lie about when.
      if (now - position.at > LOCATION_EVERY_MS * 2) return;
      if (sending || now - lastSent < LOCATION_EVERY_MS) return;
      const open = ids.filter((id) => !closing.current.has(id));
      if (open.length === 0) return;
      sending = true;
      lastSent = now;
      positionsOnTheirWay.current = Promise.all(open.map((id) => safetyApi.sendLocation(id, asLocationInput(position))))
        .catch(() => {
          lastSent = 0; // not sent (offline?): the next fix tries again
        })
        .finally(() => {
          sending = false;
        });
    });
    return () => {
      clearInterval(timer);
      stopWatching();
    };
  }, [mineKey, upsert]);

  const close = useCallback(
    async (id: string, action: () => Promise<SafetyAlert>) => {
      closing.current.add(id);
      try {
        await positionsOnTheirWay.current;
        upsert(await action());
      } catch (caught) {
        closing.current.delete(id); // still open: its positions go on
        throw caught;
      }
    },
    [upsert],
  );

  const value = useMemo<SafetyContextValue>(
    () => ({
      alerts: [...alerts.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)),
      crews,
      unavailable,
      error,
      raise: async (input) => {
        const queue = async (): Promise<RaiseResult> => {
          const entry = await enqueueAlert(userId ?? '', input);
          await reloadQueue();
          return { status: 'queued', entry };
        };
        if (navigator.onLine === false) return queue();
        try {
          const alert = await safetyApi.raise(input);
          upsert(alert);
          return { status: 'sent', alert };
        } catch (caught) {
          if (caught instanceof ApiError && caught.isUnavailable) setUnavailable(true);
          // Refused for good (a bad request, not a crew of mine): say so. Anything else (no
          // network, the server away, a token to renew, the rate limit) may pass later: queue it.
          if (isFinalRefusal(caught)) throw caught;
          return queue();
        }
      },
      queued,
      refused,
      dismissRefused: (entryId) => setRefused((current) => current.filter((r) => r.entry.id !== entryId)),
      delivered,
      // The answer is the acknowledgement alone: fetch the alert to show it among the others.
      acknowledge: async (id, kind) => {
        await safetyApi.acknowledge(id, kind);
        upsert(await safetyApi.get(id));
      },
      resolve: (id, note) => close(id, () => safetyApi.resolve(id, note)),
      cancel: (id) => close(id, () => safetyApi.cancel(id)),
      onAlertFrame,
      refreshCrews: () => setCrewsTick((n) => n + 1),
    }),
    [alerts, crews, unavailable, error, upsert, onAlertFrame, userId, reloadQueue, queued, refused, delivered, close],
  );
  return <SafetyContext.Provider value={value}>{children}</SafetyContext.Provider>;
}

export function useSafety(): SafetyContextValue {
  const value = useContext(SafetyContext);
  if (!value) throw new Error('useSafety outside SafetyProvider');
  return value;
}

/** For tests and pages outside the provider. */
export const SafetyContextForTests = SafetyContext;
