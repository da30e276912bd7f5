import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertDetail } from '../api/safety';
import { FakeSocket, json } from '../test/fakes';
import { renderWithApp } from '../test/render';
import { openAlertDetail } from '../test/safetyServer';
import { AlertBanners } from './AlertBanners';
import { forgetPositions } from './position';
import { SafetyProvider } from './SafetyProvider';

// The trail of my open alerts: what the provider sends as the phone moves, and when it stops.
// The tests move the phone (the watch's callback) and the clock, and count the requests.

const alice = { id: 'u-alice', username: 'alice', display_name: 'Alice' };
const refused = (status: number, code: string) => json({ error: { code, message: `Refused: ${code}.`, fields: {} } }, status);

/** The API with my open alerts; `trail` answers each `POST …/locations/` of an alert. */
function fakeApi(alerts: AlertDetail[], trail: (id: string) => Response | Promise<Response>) {
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const detail = new Map<string, () => Response>();
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const path = new URL(url, 'http://app').pathname;
    const method = init?.method ?? 'GET';
    if (path === '/api/v1/groups/') return json({ count: 1, next: null, previous: null, results: [{ id: 'c1', name: 'Front row' }] });
    if (path === '/api/v1/safety/alerts/') {
      const open = [...byId.values()].filter((a) => a.status === 'open');
      return json({ count: open.length, next: null, previous: null, results: open });
    }
    const located = /^\/api\/v1\/safety\/alerts\/([^/]+)\/locations\/$/.exec(path);
    if (located && method === 'POST') return trail(located[1]!);
    const one = /^\/api\/v1\/safety\/alerts\/([^/]+)\/$/.exec(path);
    if (one && detail.has(one[1]!)) return detail.get(one[1]!)!();
    if (one && byId.has(one[1]!)) return json(byId.get(one[1]!));
    return refused(404, 'alert_not_found');
  });
  vi.stubGlobal('fetch', fetchMock);
  const count = (pattern: RegExp, method = 'GET') =>
    fetchMock.mock.calls.filter(([url, init]) => pattern.test(new URL(String(url), 'http://app').pathname) && ((init as RequestInit | undefined)?.method ?? 'GET') === method).length;
  return { byId, detail, count, positions: (id: string) => count(new RegExp(`^/api/v1/safety/alerts/${id}/locations/$`), 'POST') };
}

/** The phone's position watch, moved by the test. */
function stubWatch() {
  const watchers = new Map<number, PositionCallback>();
  let next = 0;
  Object.defineProperty(navigator, 'geolocation', {
    configurable: true,
    value: {
      watchPosition: (ok: PositionCallback) => {
        next += 1;
        watchers.set(next, ok);
        return next;
      },
      clearWatch: (id: number) => watchers.delete(id),
      getCurrentPosition: () => {},
    },
  });
  let lat = 65.58;
  return {
    /** A fresh fix, a few metres north of the last. */
    move() {
      lat += 0.0003;
      const position = { coords: { latitude: lat, longitude: 22.15, accuracy: 15 }, timestamp: Date.now() } as GeolocationPosition;
      for (const ok of [...watchers.values()]) ok(position);
    },
  };
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** Walk for `seconds`: a fix every second. */
async function walk(phone: ReturnType<typeof stubWatch>, seconds: number) {
  for (let i = 0; i < seconds; i += 1) {
    act(() => phone.move());
    await advance(1_000);
  }
}

async function renderProvider() {
  await renderWithApp(
    <SafetyProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
      <AlertBanners />
    </SafetyProvider>,
  );
  await advance(1_500);
}

beforeEach(() => {
  FakeSocket.instances = [];
  forgetPositions();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  delete (navigator as { geolocation?: unknown }).geolocation;
});

describe('SafetyProvider, the trail of my open alert', () => {
  it('sends the first fix at once, then one every 15 s while I walk', async () => {
    const phone = stubWatch();
    const api = fakeApi([openAlertDetail({ id: 'a1', sender: alice, message: 'Lost the others' })], () => json({ lat: 65.58, lng: 22.15, recorded_at: new Date().toISOString(), accuracy_m: 15 }, 201));
    await renderProvider();
    await walk(phone, 60);
    expect(api.positions('a1')).toBe(4);
  });

  it('a 409 (closed elsewhere, no frame said so) ends that alert\'s trail at once: it is read once and shows closed; my other open alert goes on', async () => {
    // given two open alerts of mine, a1 resolved meanwhile by a crew admin
    const phone = stubWatch();
    const api = fakeApi(
      [openAlertDetail({ id: 'a1', sender: alice, message: 'Lost the others' }), openAlertDetail({ id: 'a2', sender: alice, message: 'Phone dying', created_at: '2026-12-05T21:01:00Z' })],
      (id) => (id === 'a1' ? refused(409, 'alert_not_open') : json({ lat: 65.58, lng: 22.15, recorded_at: new Date().toISOString(), accuracy_m: 15 }, 201)),
    );
    await renderProvider();
    // the tray shows the newest; both on asking
    act(() => screen.getByRole('button', { name: 'Show all 2' }).click());
    expect(screen.getByText('Lost the others')).toBeInTheDocument();
    api.byId.set('a1', { ...api.byId.get('a1')!, status: 'resolved', resolved_at: '2026-12-05T21:10:00Z', resolved_by: alice });
    const readBefore = api.count(/^\/api\/v1\/safety\/alerts\/a1\/$/);
    // when I walk for a minute, a fix every second
    await walk(phone, 60);
    // then a1 got one position (refused), was read once, and is gone from the banners
    expect(api.positions('a1')).toBe(1);
    expect(api.count(/^\/api\/v1\/safety\/alerts\/a1\/$/) - readBefore).toBe(1);
    expect(screen.queryByText('Lost the others')).toBeNull();
    // and a2's trail went on at its pace (a fix at once when the alerts followed changed, then every 15 s)
    expect(api.positions('a2')).toBeGreaterThanOrEqual(4);
    expect(api.positions('a2')).toBeLessThanOrEqual(5);
  });

  it('a 409 ends the trail even when reading the alert fails (it still shows open here)', async () => {
    const phone = stubWatch();
    const api = fakeApi([openAlertDetail({ id: 'a1', sender: alice, message: 'Lost the others' })], () => refused(409, 'alert_not_open'));
    await renderProvider();
    api.detail.set('a1', () => refused(503, 'unavailable'));
    await walk(phone, 60);
    expect(screen.getByText('Lost the others')).toBeInTheDocument();
    expect(api.positions('a1')).toBe(1);
  });

  it('a position lost to the network goes with the next fix; one the server failed (500) waits its 15 s', async () => {
    const phone = stubWatch();
    const answers: (Response | 'network')[] = ['network', refused(500, 'server_error')];
    const api = fakeApi([openAlertDetail({ id: 'a1', sender: alice, message: 'Lost the others' })], async () => {
      const answer = answers.shift();
      if (answer === 'network') throw new TypeError('Failed to fetch');
      return answer ?? json({ lat: 65.58, lng: 22.15, recorded_at: new Date().toISOString(), accuracy_m: 15 }, 201);
    });
    await renderProvider();
    // the first fix: no network; the second, a second later: the server fails; then 15 s to the next
    await walk(phone, 2);
    expect(api.positions('a1')).toBe(2);
    await walk(phone, 13);
    expect(api.positions('a1')).toBe(2);
    await walk(phone, 3);
    expect(api.positions('a1')).toBe(3);
  });
});
