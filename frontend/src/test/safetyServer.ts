import { vi } from 'vitest';
import type { AlertDetail, AlertInput } from '../api/safety';

/** A stand-in for the HTTP answers the safety screens read: one crew, the alerts raised so
 * far, and what the test wants `POST safety/alerts/` to answer (the network boundary only). */
export interface SafetyServer {
  fetch: ReturnType<typeof vi.fn>;
  /** The bodies of every `POST safety/alerts/`, in order. */
  raised: AlertInput[];
  /** The bodies of every `POST safety/alerts/{id}/locations/`. */
  positions: { id: string; body: Record<string, unknown> }[];
  /** The next answers to `POST safety/alerts/`: a status (error), 'network', or a promise to
   * wait on before answering 201; when empty, 201. */
  answers: (number | 'network' | Promise<void>)[];
}

export const CREW = { id: 'c1', name: 'Front row' };

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const page = (results: unknown[]) => json({ count: results.length, next: null, previous: null, results });

/** An open alert as the API answers it, nobody answered, no position: the tests' starting point. */
export function openAlertDetail(overrides: Partial<AlertDetail> & Pick<AlertDetail, 'id' | 'sender'>): AlertDetail {
  return {
    alert_type: 'lost',
    message: '',
    status: 'open',
    location: null,
    latest_location: null,
    crews: [],
    created_at: '2026-12-05T21:00:00Z',
    cancellable_until: null,
    resolved_at: null,
    resolved_by: null,
    resolution_note: '',
    cancelled_at: null,
    check_in_due_at: null,
    acknowledgements: [],
    trail: [],
    ...overrides,
  };
}

export function alertFrom(id: string, input: AlertInput, username = 'alice'): AlertDetail {
  const location = input.location ? { lat: input.location.lat, lng: input.location.lng } : null;
  return openAlertDetail({
    id,
    alert_type: input.alert_type,
    message: input.message ?? '',
    sender: { id: `u-${username}`, username, display_name: username[0]!.toUpperCase() + username.slice(1) },
    location,
    latest_location: location && { ...location, recorded_at: '2026-12-05T21:00:00Z', accuracy_m: input.location?.accuracy_m ?? null },
  });
}

export function safetyServer(): SafetyServer {
  const alerts = new Map<string, AlertDetail>();
  const server: SafetyServer = { fetch: vi.fn(), raised: [], positions: [], answers: [] };
  server.fetch.mockImplementation(async (url: string, init?: RequestInit) => {
    const path = new URL(url, 'http://app').pathname;
    const method = init?.method ?? 'GET';
    if (path === '/api/v1/groups/') return page([CREW]);
    if (path === '/api/v1/safety/alerts/' && method === 'GET') return page([...alerts.values()].filter((a) => a.status === 'open'));
    if (path === '/api/v1/safety/alerts/' && method === 'POST') {
      const answer = server.answers.shift();
      if (answer === 'network') throw new TypeError('Failed to fetch');
      if (typeof answer === 'number') return json({ error: { code: `http_${answer}`, message: `Refused with ${answer}.`, fields: {} } }, answer);
      if (answer) await answer;
      const input = JSON.parse(String(init?.body)) as AlertInput;
      server.raised.push(input);
      const alert = alertFrom(`a${server.raised.length}`, input);
      alerts.set(alert.id, alert);
      return json(alert, 201);
    }
    const located = /^\/api\/v1\/safety\/alerts\/([^/]+)\/locations\/$/.exec(path);
    if (located && method === 'POST') {
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      server.positions.push({ id: located[1]!, body });
      return json({ ...body, recorded_at: '2026-12-05T21:00:05Z' }, 201);
    }
    const one = /^\/api\/v1\/safety\/alerts\/([^/]+)\/$/.exec(path);
    if (one && alerts.has(one[1]!)) return json(alerts.get(one[1]!));
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', server.fetch);
  return server;
}

/** `POST safety/alerts/` calls the stand-in has seen, answered or not. */
export function raiseCalls(server: SafetyServer): number {
  return server.fetch.mock.calls.filter(([url, init]) => String(url).endsWith('/api/v1/safety/alerts/') && (init as RequestInit | undefined)?.method === 'POST').length;
}

/** The browser's geolocation as the test sets it: the n-th watch gets `watches[n]` (the last
 * one for later watches), or `error`. */
export function stubGeolocation(options: { watches?: GeolocationPosition[][]; error?: GeolocationPositionError }): void {
  let count = 0;
  Object.defineProperty(navigator, 'geolocation', {
    configurable: true,
    value: {
      watchPosition: (ok: PositionCallback, fail?: PositionErrorCallback) => {
        const watches = options.watches ?? [];
        const positions = watches[Math.min(count, watches.length - 1)] ?? [];
        count += 1;
        queueMicrotask(() => {
          if (options.error) fail?.(options.error);
          for (const position of positions) ok(position);
        });
        return count;
      },
      clearWatch: () => {},
      getCurrentPosition: () => {},
    },
  });
}

export function unstubGeolocation(): void {
  delete (navigator as { geolocation?: unknown }).geolocation;
}

export const PERMISSION_DENIED = { code: 1, PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3, message: 'User denied Geolocation' } as GeolocationPositionError;

export function fixAt(timestamp: number, lat = 65.5848, lng = 22.1547): GeolocationPosition {
  return { coords: { latitude: lat, longitude: lng, accuracy: 20 }, timestamp } as GeolocationPosition;
}
