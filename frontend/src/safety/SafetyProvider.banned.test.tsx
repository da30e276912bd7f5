import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertDetail } from '../api/safety';
import { BAN_RECHECK_MS } from '../auth/AccountStatus';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { renderWithApp } from '../test/render';
import { openAlertDetail } from '../test/safetyServer';
import { AlertBanners } from './AlertBanners';
import { forgetPositions } from './position';
import { SafetyProvider } from './SafetyProvider';

// Banned with my alert open: every answer of the safety API would be 403 `user_banned`, so the
// provider asks it nothing (no alert read for a notification, no catch-up, no position) until
// the ban is found lifted; then its sockets open again and it catches up.

const alice = { id: 'u-alice', username: 'alice', display_name: 'Alice' };
const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const CREWS = [
  { id: 'c1', name: 'Front row' },
  { id: 'c2', name: 'Back row' },
];
const ackOf = (user: typeof bob, kind: 'seen' | 'on_my_way' | 'with_them') => ({ user, kind, created_at: '2026-12-05T21:01:00Z', updated_at: '2026-12-05T21:01:00Z' });

function fakeApi(alerts: AlertDetail[]) {
  const state = { banned: false };
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const path = new URL(url, 'http://app').pathname;
    if (state.banned) return json({ error: { code: 'user_banned', message: 'Your account is banned.', fields: {} } }, 403);
    if (path === '/api/v1/users/me/') return json({ id: alice.id, username: 'alice' });
    if (path === '/api/v1/groups/') return json({ count: CREWS.length, next: null, previous: null, results: CREWS });
    if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
    if (path === '/api/v1/safety/alerts/') {
      const open = [...byId.values()].filter((a) => a.status === 'open').map(({ acknowledgements: _a, trail: _t, ...rest }) => rest);
      return json({ count: open.length, next: null, previous: null, results: open });
    }
    if (/\/locations\/$/.test(path) && init?.method === 'POST') return json({ lat: 65.58, lng: 22.15, recorded_at: new Date().toISOString(), accuracy_m: 15 }, 201);
    const one = /^\/api\/v1\/safety\/alerts\/([^/]+)\/$/.exec(path);
    if (one && byId.has(one[1]!)) return json(byId.get(one[1]!));
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  const calls = (pattern: RegExp) => fetchMock.mock.calls.filter(([url]) => pattern.test(new URL(String(url), 'http://app').pathname)).length;
  return { state, byId, calls };
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
  return {
    move() {
      const position = { coords: { latitude: 65.58 + Math.random() / 1000, longitude: 22.15, accuracy: 15 }, timestamp: Date.now() } as GeolocationPosition;
      for (const ok of [...watchers.values()]) ok(position);
    },
  };
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

const crewSockets = () => FakeSocket.instances.filter((s) => s.url.includes('/ws/groups/'));
const openCrewSockets = () => crewSockets().filter((s) => s.readyState === 1);

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

describe('SafetyProvider, banned', () => {
  it('asks the safety API nothing while banned, whatever comes; lifted, its sockets open again and it catches up', async () => {
    // given alice's tab, her alert open, its trail going, the crews' sockets and her own open
    const phone = stubWatch();
    const api = fakeApi([openAlertDetail({ id: 'a1', sender: alice, message: 'I twisted my ankle' })]);
    const Socket = FakeSocket as unknown as typeof WebSocket;
    await renderWithApp(
      <NotificationsProvider WebSocketImpl={Socket}>
        <SafetyProvider WebSocketImpl={Socket}>
          <AlertBanners />
        </SafetyProvider>
      </NotificationsProvider>,
    );
    await advance(0);
    for (const socket of crewSockets()) act(() => socket.frame({ type: 'ready', group_id: 'c', last_sequence: 0, online: [] }));
    const me = FakeSocket.instances.find((s) => s.url.endsWith('/ws/me/'))!;
    act(() => me.frame({ type: 'ready', unread_count: 0 }));
    await advance(2_000);
    act(() => phone.move());
    await advance(0);
    expect(api.calls(/\/locations\/$/)).toBe(1);
    expect(screen.getByText('I twisted my ankle')).toBeInTheDocument();

    // when she is banned: the crews' sockets are closed for it (her own stays open)
    api.state.banned = true;
    for (const socket of openCrewSockets()) act(() => socket.drop(4403, 'user_banned'));
    const safetyBefore = api.calls(/^\/api\/v1\/safety\//);
    // and for ten minutes bob answers her alert (each a notification on her own socket) and she walks
    for (const [i, kind] of (['seen', 'on_my_way', 'with_them'] as const).entries()) {
      const told = notification('safety.alert_acknowledged', { id: `n-ack-${i}`, payload: { alert_id: 'a1', user_id: bob.id, user_name: 'Bob', acknowledgement: kind } });
      act(() => me.frame({ type: 'notification', notification: told, unread_count: i + 1 }));
      await advance(1_000);
    }
    for (let second = 0; second < 600; second += 1) {
      act(() => phone.move());
      await advance(1_000);
    }
    // then the safety API was asked nothing; users/me once every 20 s
    expect(api.calls(/^\/api\/v1\/safety\//) - safetyBefore).toBe(0);
    expect(api.calls(/^\/api\/v1\/users\/me\/$/)).toBe(30);
    expect(screen.getByText('I twisted my ankle')).toBeInTheDocument();

    // when the ban is lifted (bob's answers in the alert by now)
    api.state.banned = false;
    api.byId.set('a1', { ...api.byId.get('a1')!, acknowledgements: [ackOf(bob, 'with_them')] });
    const socketsBefore = crewSockets().length;
    await advance(BAN_RECHECK_MS);
    // then both crews' sockets open again, it catches up with the API, and the trail goes on
    expect(crewSockets().slice(socketsBefore).map((s) => s.url.replace(/^ws:\/\/[^/]+/, ''))).toEqual(['/ws/groups/c1/chat/', '/ws/groups/c2/chat/']);
    expect(screen.getByText('Bob: With them')).toBeInTheDocument();
    const positions = api.calls(/\/locations\/$/);
    act(() => phone.move());
    await advance(0);
    expect(api.calls(/\/locations\/$/)).toBe(positions + 1);
  });
});
