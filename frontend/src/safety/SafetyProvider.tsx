import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useAccountStatus } from '../auth/AccountStatus';
import { useAuth } from '../auth/AuthProvider';
import { groupsApi, type Crew } from '../api/groups';
import { ApiError, USER_BANNED } from '../api/http';
import { invalidateLive } from '../api/queryClient';
import { queryKeys } from '../api/queryKeys';
import { safetyApi, type AckKind, type AlertInput, type SafetyAlert } from '../api/safety';
import type { AppNotification } from '../api/users';
import { ChatConnection } from '../chat/connection';
import { wsUrl } from '../config';
import { useLiveNotifications } from '../notifications/NotificationsProvider';
import { applyChange, changeFromFrame, isShowable, mergeAlert, type AlertChange } from './changes';
import { asLocationInput, bestKnownPosition, watchPositions } from './position';
import { enqueueAlert, FLUSH_MESSAGE, flushAlertQueue, isFinalRefusal, queuedAlerts, type QueuedAlert } from './queue';

// Alerts and their changes come live, over my crews' sockets (and my own, /ws/me/); the API is
// read again only to catch up. An idle tab reads it once per FALLBACK_MS (the open alerts in my
// crews, and mine in full); more only after a socket came back from a drop, or when the tab
// is shown again after SHOWN_AGAIN_MS: what frames may have been missed.
const FALLBACK_MS = 120_000;
// Sockets that open or come back together (a server restart, my crews changed) ask for one
// catch-up, not one each; and sockets that keep dropping ask for one per CATCH_UP_GAP_MS at
// most, whatever their number (a reconnect storm costs two catch-ups a minute, no more).
const SETTLE_MS = 1_000;
const CATCH_UP_GAP_MS = 30_000;
const SHOWN_AGAIN_MS = 30_000;
// The trail of my open alert: the first fix goes at once, then one every 15 s at most (a
// walking pace moves ~20 m in that time; more often only costs battery and requests).
const LOCATION_EVERY_MS = 15_000;
// While alerts wait in the queue, try again this often besides the `online` event (a 5xx or
// a rate limit gives no event to wait for).
const QUEUE_RETRY_MS = 30_000;
const MAX_LISTENERS = 20;
const NO_CREWS: Crew[] = [];

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

export interface SafetyProviderProps {
  children: ReactNode;
  /** For tests: a fake WebSocket. */
  WebSocketImpl?: typeof WebSocket;
}

export function SafetyProvider({ children, WebSocketImpl }: SafetyProviderProps) {
  const { user, getToken, manager } = useAuth();
  const [alerts, setAlerts] = useState<Map<string, SafetyAlert>>(new Map());
  // What is held now, for the frames' handlers (which decide on it before React renders).
  const held = useRef(alerts);
  const [unavailable, setUnavailable] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [queued, setQueued] = useState<QueuedAlert[]>([]);
  const [refused, setRefused] = useState<RefusedAlert[]>([]);
  const [delivered, setDelivered] = useState<Record<string, string>>({});
  // The token's subject is not CrewUp's user id; the username is the same on both sides.
  const userId = user?.username ?? null;
  // Banned, I may read no alert and send no position: nothing is asked of the API (each answer
  // would be 403) until the ban is found lifted; then what stopped starts again.
  const { banned, recoveries, noticeBanned } = useAccountStatus();
  const bannedNow = useRef(banned);
  bannedNow.current = banned;
  const bannedSocket = useRef(noticeBanned);
  bannedSocket.current = noticeBanned;

  const updateAlerts = useCallback((update: (current: Map<string, SafetyAlert>) => Map<string, SafetyAlert>) => {
    const next = update(held.current);
    if (next === held.current) return;
    held.current = next;
    setAlerts(next);
  }, []);

  const upsert = useCallback(
    (alert: Partial<SafetyAlert> & { id: string }) => updateAlerts((current) => new Map(current).set(alert.id, mergeAlert(current.get(alert.id), alert))),
    [updateAlerts],
  );

  // Another person signed in (or out): nothing of the last one's is kept, nor taken in late.
  const session = useRef(0);
  const fetching = useRef(new Set<string>());
  // My alerts the API says are closed (409) or gone (404) when a position or a closure is sent:
  // closed elsewhere (another device, a crew admin, a moderator) while no frame told this tab.
  // Their trail ends there, and the alert is read once to show what became of it.
  const trailEnded = useRef(new Set<string>());
  useEffect(() => {
    session.current += 1;
    fetching.current = new Set();
    trailEnded.current = new Set();
    updateAlerts((current) => (current.size ? new Map() : current));
  }, [userId, updateAlerts]);

  /** One alert in full, once at a time; one I may no longer see (no crew of mine has it) goes. */
  const fetchAlert = useCallback(
    async (id: string) => {
      if (bannedNow.current || fetching.current.has(id)) return;
      const at = session.current;
      const inFlight = fetching.current;
      inFlight.add(id);
      try {
        const alert = await safetyApi.get(id);
        if (session.current === at) upsert(alert);
      } catch (caught) {
        if (session.current !== at || !(caught instanceof ApiError) || caught.isUnavailable || (caught.status !== 404 && caught.status !== 403)) return;
        updateAlerts((current) => {
          if (!current.has(id)) return current;
          const next = new Map(current);
          next.delete(id);
          return next;
        });
      } finally {
        inFlight.delete(id);
      }
    },
    [upsert, updateAlerts],
  );

  /** A change to an alert, from a frame or an answer of the API: taken in where it is held;
   * an alert not held yet is shown at once from the frame when it can be, and fetched in full
   * (so is one whose answers were not fetched yet: the change says only one of them). */
  const takeChange = useCallback(
    (change: AlertChange) => {
      const alert = held.current.get(change.id);
      if (alert && (change.kind !== 'acknowledged' || alert.acknowledgements)) {
        updateAlerts((current) => {
          const now = current.get(change.id);
          return now ? new Map(current).set(change.id, applyChange(now, change)) : current;
        });
        return;
      }
      if (!alert && change.kind === 'alert' && isShowable(change.alert)) upsert({ ...change.alert, id: change.id });
      void fetchAlert(change.id);
    },
    [updateAlerts, upsert, fetchAlert],
  );

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

  // My crews: where alerts go, and whose live channels bring alerts to me. The list My crews
  // shows: a crew joined or left (here, or told by my socket) and a lifted ban read it again,
  // and the sockets follow.
  const queryClient = useQueryClient();
  // Not read again for the tab being shown: a membership change comes over my socket, and an
  // idle tab shown again makes one catch-up (the alerts), no more.
  const myCrews = useQuery({
    queryKey: queryKeys.crews.mine(),
    queryFn: ({ signal }) => groupsApi.list({ mine: true }, signal),
    enabled: Boolean(userId),
    refetchOnWindowFocus: false,
  });
  const crews = (userId && myCrews.data?.results) || NO_CREWS;

  /** Catch up with the API: the open alerts in my crews, with in full those not held in full
   * yet, mine (whose answers matter most), and every one when `deep` (frames may have been
   * missed); and those held as open that are no longer listed (closed, or no longer mine to
   * see). */
  const sync = useCallback(
    async (deep: boolean) => {
      const at = session.current;
      const open = await safetyApi.openInMyCrews();
      if (session.current !== at) return;
      const before = held.current;
      const listed = new Set(open.map((alert) => alert.id));
      for (const alert of open) upsert(alert);
      const again = [
        ...open.filter((alert) => deep || before.get(alert.id)?.acknowledgements === undefined || alert.sender.username === userId),
        ...[...before.values()].filter((alert) => alert.status === 'open' && !listed.has(alert.id)),
      ];
      await Promise.all(again.map((alert) => fetchAlert(alert.id)));
    },
    [userId, upsert, fetchAlert],
  );

  // When to catch up: at once, then every FALLBACK_MS while the tab is shown (hidden, its
  // sockets still bring the changes, and the push messages come), and soon after an ask.
  const askSync = useRef<(deep: boolean) => void>(() => {});
  useEffect(() => {
    if (!userId || unavailable || banned) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settling = false;
    let running = false;
    let askedWhileRunning = false;
    let deepDue = false;
    let lastSync = 0;
    const soon = () => Math.max(SETTLE_MS, deepDue ? lastSync + CATCH_UP_GAP_MS - Date.now() : 0);
    const wait = (ms: number, settle: boolean) => {
      clearTimeout(timer);
      settling = settle;
      timer = setTimeout(() => {
        settling = false;
        if (!settle && document.visibilityState === 'hidden') wait(FALLBACK_MS, false);
        else void run();
      }, ms);
    };
    const run = async () => {
      const deep = deepDue;
      deepDue = false;
      running = true;
      try {
        await sync(deep);
        if (!stopped) setError(null);
      } catch (caught) {
        if (!stopped) fail(caught);
      } finally {
        running = false;
        lastSync = Date.now();
        if (!stopped) wait(askedWhileRunning ? soon() : FALLBACK_MS, askedWhileRunning);
        askedWhileRunning = false;
      }
    };
    const ask = (deep: boolean) => {
      deepDue ||= deep;
      if (running) askedWhileRunning = true;
      else if (!settling) wait(soon(), true);
    };
    const shown = () => {
      if (document.visibilityState === 'visible' && Date.now() - lastSync >= SHOWN_AGAIN_MS) ask(true);
    };
    askSync.current = ask;
    void run();
    document.addEventListener('visibilitychange', shown);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
      askSync.current = () => {};
    };
  }, [userId, unavailable, banned, sync, fail]);

  const onAlertFrame = useCallback(
    (frame: Record<string, unknown>) => {
      const change = changeFromFrame(frame);
      if (change) takeChange(change);
    },
    [takeChange],
  );

  // My own socket's notifications are delivered at least once, where a crew socket's frames
  // come at most once: one that tells of an alert change not held yet fetches that alert.
  useLiveNotifications((notification: AppNotification) => {
    const { kind, payload } = notification;
    const id = payload.alert_id;
    if (typeof id !== 'string' || !kind.startsWith('safety.')) return;
    const alert = held.current.get(id);
    const missed =
      kind === 'safety.alert_acknowledged'
        ? !alert?.acknowledgements?.some((ack) => ack.user.id === payload.user_id && ack.kind === payload.acknowledgement)
        : kind === 'safety.alert_resolved'
          ? alert?.status === 'open'
          : !alert;
    if (missed) void fetchAlert(id);
  });

  // A listening socket per crew: safety alerts arrive on the crew's live channel. A socket's
  // first `ready` catches up with what came before it listened; a later one (back after a
  // drop) with every open alert, whose frames it may have missed.
  const crewKey = crews.map((c) => c.id).join(',');
  const listening = useRef<ChatConnection[]>([]);
  useEffect(() => {
    if (!userId || !crewKey) return;
    const sockets = crewKey
      .split(',')
      .slice(0, MAX_LISTENERS)
      .map((crewId) => {
        let opened = false;
        const socket = new ChatConnection({
          url: wsUrl(`ws/groups/${crewId}/chat/`),
          getToken,
          WebSocketImpl,
          onEvent: (event) => {
            if (event.type === 'safety_alert') onAlertFrame(event.frame);
            // Someone joined or left: the crew here and wherever it is shown.
            else if (event.type === 'member_joined' || event.type === 'member_left') invalidateLive(queryClient, [queryKeys.crews.detail(crewId), queryKeys.crews.lists()]);
            else if (event.type === 'state' && event.state === 'removed' && event.reason === USER_BANNED) bannedSocket.current();
            else if (event.type === 'ready') {
              askSync.current(opened);
              opened = true;
            }
          },
          backoff: [2000, 5000, 15000, 30000],
        });
        socket.connect();
        return socket;
      });
    listening.current = sockets;
    const backOnline = () => sockets.forEach((s) => s.retryNow());
    const wentOffline = () => sockets.forEach((s) => s.goOffline());
    window.addEventListener('online', backOnline);
    window.addEventListener('offline', wentOffline);
    return () => {
      window.removeEventListener('online', backOnline);
      window.removeEventListener('offline', wentOffline);
      sockets.forEach((s) => s.close());
      listening.current = [];
    };
  }, [userId, crewKey, getToken, onAlertFrame, WebSocketImpl, queryClient]);

  // The ban is lifted: the sockets it closed open again (and, back, ask for a full catch-up).
  useEffect(() => {
    if (recoveries > 0) listening.current.forEach((s) => s.reopenAfter(USER_BANNED));
  }, [recoveries]);

  // A renewed token re-authenticates the open sockets, so they are not closed at the old
  // expiry (and do not come back asking for a catch-up).
  useEffect(() => {
    if (!manager) return;
    const renewed = (u: { access_token: string }) => listening.current.forEach((s) => s.reauthenticate(u.access_token));
    manager.events.addUserLoaded(renewed);
    return () => manager.events.removeUserLoaded(renewed);
  }, [manager]);

  // My own open alert: send my position as I move (its answers come over the sockets).
  const mine = useMemo(() => [...alerts.values()].filter((a) => a.status === 'open' && a.sender.username === userId), [alerts, userId]);
  // My alerts being resolved or cancelled take no more positions, and wait for the one on its
  // way: a position arriving after the closure would only be refused (409).
  const closing = useRef(new Set<string>());
  const endTrail = useCallback(
    (id: string, caught: unknown): boolean => {
      if (!(caught instanceof ApiError) || (caught.status !== 409 && caught.status !== 404)) return false;
      trailEnded.current.add(id);
      void fetchAlert(id);
      return true;
    },
    [fetchAlert],
  );
  const positionsOnTheirWay = useRef<Promise<unknown>>(Promise.resolve());
  const mineKey = mine.map((a) => a.id).join(',');
  useEffect(() => {
    if (!mineKey || banned) return;
    const ids = mineKey.split(',');
    // Keep asking for a fix while it is open (an alert may have gone without one), and add each
    // to the trail: the first at once, then at most one per LOCATION_EVERY_MS.
    let lastSent = 0;
    let sending = false;
    const stopWatching = watchPositions((position) => {
      const now = Date.now();
      // The API stamps a trail point with its arrival: an old cached fix would lie about when.
      if (now - position.at > LOCATION_EVERY_MS * 2) return;
      if (sending || now - lastSent < LOCATION_EVERY_MS) return;
      const open = ids.filter((id) => !closing.current.has(id) && !trailEnded.current.has(id));
      if (open.length === 0) return;
      sending = true;
      lastSent = now;
      let unsent = false;
      positionsOnTheirWay.current = Promise.all(
        open.map((id) =>
          safetyApi.sendLocation(id, asLocationInput(position)).then(
            (point) => takeChange({ kind: 'location', id, point }),
            (caught: unknown) => {
              // Not sent (offline?): the next fix tries again. Any other refusal waits its turn.
              if (!endTrail(id, caught) && caught instanceof ApiError && caught.status === 0) unsent = true;
            },
          ),
        ),
      ).finally(() => {
        if (unsent) lastSent = 0;
        sending = false;
      });
    });
    return stopWatching;
  }, [mineKey, banned, takeChange, endTrail]);

  const close = useCallback(
    async (id: string, action: () => Promise<SafetyAlert>) => {
      closing.current.add(id);
      try {
        await positionsOnTheirWay.current;
        upsert(await action());
      } catch (caught) {
        closing.current.delete(id); // still open: its positions go on
        endTrail(id, caught); // unless it was closed elsewhere meanwhile
        throw caught;
      }
    },
    [upsert, endTrail],
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
      // The answer is the acknowledgement alone: it goes among the others held.
      acknowledge: async (id, kind) => {
        takeChange({ kind: 'acknowledged', id, acknowledgement: await safetyApi.acknowledge(id, kind) });
      },
      resolve: (id, note) => close(id, () => safetyApi.resolve(id, note)),
      cancel: (id) => close(id, () => safetyApi.cancel(id)),
      onAlertFrame,
      refreshCrews: () => void queryClient.invalidateQueries({ queryKey: queryKeys.crews.mine() }),
    }),
    [alerts, crews, unavailable, error, upsert, takeChange, onAlertFrame, userId, reloadQueue, queued, refused, delivered, close, queryClient],
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
