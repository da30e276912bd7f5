import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useAuth } from '../auth/AuthProvider';
import { groupsApi, type Crew } from '../api/groups';
import { ApiError } from '../api/http';
import { alertFromFrame, safetyApi, type AckKind, type AlertInput, type SafetyAlert } from '../api/safety';
import { ChatConnection } from '../chat/connection';
import { wsUrl } from '../config';
import { useMembershipChanges } from '../notifications/NotificationsProvider';

const POLL_MS = 20_000;
const MINE_POLL_MS = 3_000;
const LOCATION_EVERY_MS = 15_000;
const MAX_LISTENERS = 20;

interface SafetyContextValue {
  alerts: SafetyAlert[];
  crews: Crew[];
  /** The safety API is not there (answers 404): the UI says so instead of failing. */
  unavailable: boolean;
  error: unknown;
  raise: (input: AlertInput) => Promise<SafetyAlert>;
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
  // The token's subject is not CrewUp's user id; the username is the same on both sides.
  const userId = user?.username ?? null;

  const upsert = useCallback((alert: SafetyAlert) => {
    setAlerts((current) => new Map(current).set(alert.id, { ...current.get(alert.id), ...alert }));
  }, []);

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
  const mineKey = mine.map((a) => a.id).join(',');
  useEffect(() => {
    if (!mineKey) return;
    const ids = mineKey.split(',');
    const timer = setInterval(() => {
      for (const id of ids) safetyApi.get(id).then(upsert).catch(() => {});
    }, MINE_POLL_MS);
    let lastSent = 0;
    const watch =
      'geolocation' in navigator
        ? navigator.geolocation.watchPosition(
            (position) => {
              const now = Date.now();
              if (now - lastSent < LOCATION_EVERY_MS) return;
              lastSent = now;
              const at = { lat: position.coords.latitude, lng: position.coords.longitude };
              for (const id of ids) safetyApi.sendLocation(id, at).catch(() => {});
            },
            () => {},
            { enableHighAccuracy: true, maximumAge: 10_000 },
          )
        : null;
    return () => {
      clearInterval(timer);
      if (watch !== null) navigator.geolocation.clearWatch(watch);
    };
  }, [mineKey, upsert]);

  const value = useMemo<SafetyContextValue>(
    () => ({
      alerts: [...alerts.values()].sort((a, b) => b.created_at.localeCompare(a.created_at)),
      crews,
      unavailable,
      error,
      raise: async (input) => {
        try {
          const alert = await safetyApi.raise(input);
          upsert(alert);
          return alert;
        } catch (caught) {
          if (caught instanceof ApiError && caught.isUnavailable) setUnavailable(true);
          throw caught;
        }
      },
      // The answer is the acknowledgement alone: fetch the alert to show it among the others.
      acknowledge: async (id, kind) => {
        await safetyApi.acknowledge(id, kind);
        upsert(await safetyApi.get(id));
      },
      resolve: async (id, note) => upsert(await safetyApi.resolve(id, note)),
      cancel: async (id) => upsert(await safetyApi.cancel(id)),
      onAlertFrame,
      refreshCrews: () => setCrewsTick((n) => n + 1),
    }),
    [alerts, crews, unavailable, error, upsert, onAlertFrame],
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
