import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertDetail } from '../api/safety';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { renderWithApp } from '../test/render';
import { openAlertDetail } from '../test/safetyServer';
import { AlertBanners } from './AlertBanners';
import { SafetyProvider } from './SafetyProvider';

// An idle tab costs almost nothing: the live changes come over the sockets, and the API is read
// only to catch up. These tests drive the provider's clock and count what it asks the API.

const alice = { id: 'u-alice', username: 'alice', display_name: 'Alice' };
const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const CREWS = [
  { id: 'c1', name: 'Front row' },
  { id: 'c2', name: 'Back row' },
];

function alertOf(id: string, sender: typeof bob, message: string): AlertDetail {
  return openAlertDetail({ id, sender, message });
}

const summary = ({ acknowledgements: _a, trail: _t, ...rest }: AlertDetail) => rest;
const ackOf = (user: typeof bob, kind: 'seen' | 'on_my_way' | 'with_them', at = '2026-12-05T21:01:00Z') => ({ user, kind, created_at: at, updated_at: at });

/** The API as the provider reads it: my crews, the open alerts in them, one alert in full. */
function fakeApi(alerts: AlertDetail[]) {
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const fetchMock = vi.fn(async (url: string) => {
    const path = new URL(url, 'http://app').pathname;
    if (path === '/api/v1/groups/') return json({ count: CREWS.length, next: null, previous: null, results: CREWS });
    if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
    if (path === '/api/v1/safety/alerts/') {
      const open = [...byId.values()].filter((a) => a.status === 'open').map(summary);
      return json({ count: open.length, next: null, previous: null, results: open });
    }
    const one = /^\/api\/v1\/safety\/alerts\/([^/]+)\/$/.exec(path);
    if (one && byId.has(one[1]!)) return json(byId.get(one[1]!));
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  // Requests to the API (a map's outline, a static file read once, is not one).
  const calls = (pattern = /^\/api\//) => fetchMock.mock.calls.filter(([url]) => pattern.test(new URL(String(url), 'http://app').pathname)).length;
  return { byId, fetchMock, calls };
}

const ALERT_LIST = /^\/api\/v1\/safety\/alerts\/$/;
const ALERT_DETAIL = /^\/api\/v1\/safety\/alerts\/[^/]+\/$/;

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

const crewSockets = () => FakeSocket.instances.filter((s) => s.url.includes('/ws/groups/'));
const lastCrewSocket = (crewId: string) => crewSockets().filter((s) => s.url.includes(`/ws/groups/${crewId}/`)).at(-1)!;

/** The provider for alice, its crews' sockets open; then the clock starts from a settled tab. */
async function idleTab(alerts: AlertDetail[], { withNotifications = false } = {}) {
  const api = fakeApi(alerts);
  const Socket = FakeSocket as unknown as typeof WebSocket;
  const safety = (
    <SafetyProvider WebSocketImpl={Socket}>
      <AlertBanners />
    </SafetyProvider>
  );
  await renderWithApp(withNotifications ? <NotificationsProvider WebSocketImpl={Socket}>{safety}</NotificationsProvider> : safety);
  await advance(0);
  expect(crewSockets().map((s) => s.url.replace(/^ws:\/\/[^/]+/, ''))).toEqual(['/ws/groups/c1/chat/', '/ws/groups/c2/chat/']);
  for (const socket of crewSockets()) act(() => socket.frame({ type: 'ready', group_id: 'c', last_sequence: 0, online: [] }));
  await advance(2_000);
  return api;
}

beforeEach(() => {
  FakeSocket.instances = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('SafetyProvider, an idle tab', () => {
  it('reads the API at most twice a minute (once every two minutes), an open alert in my crews or not', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    expect(screen.getByText('Lost near the stage')).toBeInTheDocument();
    const before = api.calls();
    await advance(60_000);
    expect(api.calls() - before).toBeLessThanOrEqual(2);
    await advance(9 * 60_000);
    // ten minutes: the open alerts listed five times, nothing else
    expect(api.calls() - before).toBe(5);
    expect(api.fetchMock.mock.calls.slice(-5).every(([url]) => ALERT_LIST.test(new URL(String(url), 'http://app').pathname))).toBe(true);
  });

  it('with my own alert open, also reads mine in full: still at most one request a minute', async () => {
    const api = await idleTab([alertOf('a1', alice, 'I twisted my ankle')]);
    const before = { all: api.calls(), list: api.calls(ALERT_LIST), detail: api.calls(ALERT_DETAIL) };
    await advance(10 * 60_000);
    expect(api.calls(ALERT_LIST) - before.list).toBe(5);
    expect(api.calls(ALERT_DETAIL) - before.detail).toBe(5);
    expect(api.calls() - before.all).toBe(10);
  });

  it('does not read the API while hidden, and catches up once when shown again', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    const before = api.calls();
    await advance(10 * 60_000);
    expect(api.calls()).toBe(before);
    visibility.mockReturnValue('visible');
    act(() => document.dispatchEvent(new Event('visibilitychange')));
    const list = api.calls(ALERT_LIST);
    await advance(1_500);
    // the open alerts, each in full: frames may have gone by unseen
    expect(api.calls(ALERT_LIST) - list).toBe(1);
    expect(api.calls() - before).toBe(2);
  });
});

describe('SafetyProvider, live changes', () => {
  it('an acknowledgement of my open alert arrives over the socket, without a request', async () => {
    const api = await idleTab([alertOf('a1', alice, 'I twisted my ankle')]);
    expect(screen.getByText('Nobody has acknowledged yet.')).toBeInTheDocument();
    const before = api.calls();
    act(() => lastCrewSocket('c1').frame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: ackOf(bob, 'on_my_way') }));
    expect(screen.getByText('Bob: On my way')).toBeInTheDocument();
    // the same frame from the other crew's socket changes nothing
    act(() => lastCrewSocket('c2').frame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: ackOf(bob, 'on_my_way') }));
    act(() => lastCrewSocket('c1').frame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: ackOf(bob, 'with_them', '2026-12-05T21:05:00Z') }));
    expect(screen.getByText('Bob: With them')).toBeInTheDocument();
    await advance(0);
    expect(api.calls()).toBe(before);
  });

  it('a new alert shows at once from its frame, then is read in full once, whatever number of crews bring it', async () => {
    const api = await idleTab([]);
    const raised = alertOf('a2', bob, 'Lost my friends');
    const frame = { type: 'safety_alert', change: 'raised', alert_id: 'a2', alert: { ...summary(raised), group_id: 'c1', event: null }, message: { id: 'm1', sequence: 3 } };
    api.byId.set('a2', raised);
    const before = api.calls();
    expect(api.calls(ALERT_DETAIL)).toBe(0);
    act(() => {
      lastCrewSocket('c1').frame(frame);
      lastCrewSocket('c2').frame({ ...frame, alert: { ...frame.alert, group_id: 'c2' } });
    });
    expect(screen.getByText('Lost my friends')).toBeInTheDocument();
    await advance(0);
    expect(api.calls() - before).toBe(1);
    expect(api.calls(ALERT_DETAIL)).toBe(1);
    expect(screen.getByText('Nobody has acknowledged yet.')).toBeInTheDocument();
  });

  it('an alert resolved or cancelled goes from the banners at once, without a request', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage'), alertOf('a3', bob, 'Phone dying')]);
    const before = api.calls();
    const closed = (id: string, status: 'resolved' | 'cancelled') => ({
      type: 'safety_alert',
      change: status,
      alert_id: id,
      alert: { ...summary(api.byId.get(id)!), status, resolved_at: status === 'resolved' ? '2026-12-05T21:10:00Z' : null, cancelled_at: status === 'cancelled' ? '2026-12-05T21:01:00Z' : null, group_id: 'c1', event: null },
    });
    act(() => lastCrewSocket('c1').frame(closed('a1', 'resolved')));
    act(() => lastCrewSocket('c2').frame(closed('a3', 'cancelled')));
    expect(screen.queryByText('Lost near the stage')).toBeNull();
    expect(screen.queryByText('Phone dying')).toBeNull();
    await advance(0);
    expect(api.calls()).toBe(before);
  });

  it('a position of an alert held comes in place, without a request', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    expect(screen.getByTestId('position-unknown')).toBeInTheDocument();
    const before = api.calls();
    act(() => lastCrewSocket('c1').frame({ type: 'safety_alert', change: 'location', alert_id: 'a1', location: { lat: 65.58, lng: 22.15, recorded_at: '2026-12-05T21:02:00Z', accuracy_m: 12 } }));
    expect(screen.queryByTestId('position-unknown')).toBeNull();
    await advance(0);
    expect(api.calls()).toBe(before);
  });

  it('an alert closed while its frame went missing goes at the next catch-up', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    api.byId.set('a1', { ...api.byId.get('a1')!, status: 'resolved', resolved_at: '2026-12-05T21:10:00Z', resolved_by: bob });
    const before = api.calls();
    await advance(120_000);
    // the list without it, then it alone: resolved
    expect(api.calls() - before).toBe(2);
    expect(screen.queryByText('Lost near the stage')).toBeNull();
  });

  it('sockets back after a drop catch up once for all of them, every open alert in full', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    const before = { all: api.calls(), list: api.calls(ALERT_LIST), detail: api.calls(ALERT_DETAIL) };
    for (const socket of crewSockets()) act(() => socket.drop());
    await advance(2_000); // the first back-off
    expect(crewSockets()).toHaveLength(4);
    for (const crew of CREWS) act(() => lastCrewSocket(crew.id).frame({ type: 'ready', group_id: crew.id, last_sequence: 0, online: [] }));
    // (30 s after the last catch-up at most: see the next test)
    await advance(30_000);
    expect(api.calls(ALERT_LIST) - before.list).toBe(1);
    expect(api.calls(ALERT_DETAIL) - before.detail).toBe(1);
    expect(api.calls() - before.all).toBe(2);
  });

  it('sockets that keep dropping ask for a catch-up twice a minute at most', async () => {
    const api = await idleTab([alertOf('a1', bob, 'Lost near the stage')]);
    const before = api.calls(ALERT_LIST);
    for (let second = 0; second < 120; second += 4) {
      for (const crew of CREWS) act(() => lastCrewSocket(crew.id).drop());
      await advance(2_000);
      for (const crew of CREWS) act(() => lastCrewSocket(crew.id).frame({ type: 'ready', group_id: crew.id, last_sequence: 0, online: [] }));
      await advance(2_000);
    }
    expect(api.calls(ALERT_LIST) - before).toBeLessThanOrEqual(4);
    expect(api.calls(ALERT_LIST) - before).toBeGreaterThanOrEqual(3);
  });

  it('a notification on my own socket of an answer not held yet reads that alert; one already held does not', async () => {
    const api = await idleTab([alertOf('a1', alice, 'I twisted my ankle')], { withNotifications: true });
    const me = FakeSocket.instances.find((s) => s.url.endsWith('/ws/me/'))!;
    act(() => me.frame({ type: 'ready', unread_count: 0 }));
    // the crew frame came first: the notification that follows changes nothing
    act(() => lastCrewSocket('c1').frame({ type: 'safety_alert', change: 'acknowledged', alert_id: 'a1', acknowledgement: ackOf(bob, 'on_my_way') }));
    const before = api.calls();
    const told = (user: typeof bob, kind: string) =>
      notification('safety.alert_acknowledged', { id: `n-${user.id}-${kind}`, payload: { alert_id: 'a1', user_id: user.id, user_name: user.display_name, acknowledgement: kind } });
    act(() => me.frame({ type: 'notification', notification: told(bob, 'on_my_way'), unread_count: 1 }));
    await advance(0);
    expect(api.calls()).toBe(before);
    // a crew frame that never came (at most once): the notification fetches the alert
    api.byId.set('a1', { ...api.byId.get('a1')!, acknowledgements: [ackOf(bob, 'on_my_way'), ackOf({ id: 'u-carl', username: 'carl', display_name: 'Carl' }, 'seen')] });
    const detail = api.calls(ALERT_DETAIL);
    act(() => me.frame({ type: 'notification', notification: told({ id: 'u-carl', username: 'carl', display_name: 'Carl' }, 'seen'), unread_count: 2 }));
    await advance(0);
    expect(api.calls(ALERT_DETAIL) - detail).toBe(1);
    expect(api.calls() - before).toBe(1);
    expect(screen.getByText('Bob: On my way · Carl: Seen')).toBeInTheDocument();
  });
});
