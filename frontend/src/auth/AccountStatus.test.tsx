import { act, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { groupsApi } from '../api/groups';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { renderWithApp } from '../test/render';
import { BAN_RECHECK_MS, useAccountStatus } from './AccountStatus';

// The ban as the app learns it (the API's 403 `user_banned`, a socket, my own socket's
// notifications) and its end, found by asking `GET users/me/` while banned: how often, and
// what it takes to come back.

const bannedAnswer = () => json({ error: { code: 'user_banned', message: 'Your account is banned.', fields: {} } }, 403);

/** The API: `users/me/` refused while `state.banned`, the rest answered plainly. */
function fakeApi() {
  const state = { banned: true };
  const fetchMock = vi.fn(async (url: string) => {
    const path = new URL(url, 'http://app').pathname;
    if (state.banned) return bannedAnswer();
    if (path === '/api/v1/users/me/') return json({ id: 'u-alice', username: 'alice' });
    if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
    return json({ count: 0, next: null, previous: null, results: [] });
  });
  vi.stubGlobal('fetch', fetchMock);
  const asked = () => fetchMock.mock.calls.filter(([url]) => new URL(String(url), 'http://app').pathname === '/api/v1/users/me/').length;
  return { state, asked };
}

function Status() {
  const { banned, recoveries } = useAccountStatus();
  return (
    <p data-testid="status">
      {banned ? 'banned' : 'not banned'}, {recoveries} recoveries
    </p>
  );
}

const status = () => screen.getByTestId('status').textContent;

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

beforeEach(() => {
  FakeSocket.instances = [];
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('AccountStatusProvider', () => {
  it('takes any 403 user_banned for a ban, and asks users/me every 20 s until it is answered', async () => {
    const api = fakeApi();
    await renderWithApp(<Status />);
    expect(status()).toBe('not banned, 0 recoveries');
    // not banned: nothing is asked
    await advance(5 * BAN_RECHECK_MS);
    expect(api.asked()).toBe(0);
    // a page's request refused for the ban
    await act(async () => {
      await groupsApi.list({ mine: true }).catch(() => {});
    });
    expect(status()).toBe('banned, 0 recoveries');
    await advance(BAN_RECHECK_MS - 1);
    expect(api.asked()).toBe(0);
    await advance(1);
    expect(api.asked()).toBe(1);
    await advance(2 * BAN_RECHECK_MS);
    expect(api.asked()).toBe(3);
    expect(status()).toBe('banned, 0 recoveries');
    // the ban is lifted: the next ask finds it, and the asking stops
    api.state.banned = false;
    await advance(BAN_RECHECK_MS);
    expect(api.asked()).toBe(4);
    expect(status()).toBe('not banned, 1 recoveries');
    await advance(5 * BAN_RECHECK_MS);
    expect(api.asked()).toBe(4);
  });

  it('a hidden tab does not ask; shown again, it asks at once', async () => {
    const api = fakeApi();
    await renderWithApp(<Status />);
    await act(async () => {
      await groupsApi.list({ mine: true }).catch(() => {});
    });
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    await advance(10 * BAN_RECHECK_MS);
    expect(api.asked()).toBe(0);
    api.state.banned = false;
    visibility.mockReturnValue('visible');
    act(() => document.dispatchEvent(new Event('visibilitychange')));
    await advance(0);
    expect(api.asked()).toBe(1);
    expect(status()).toBe('not banned, 1 recoveries');
  });

  it('my own socket tells of the ban, and of its end at once (no 20 s wait); refused when opened banned, it opens again after', async () => {
    const api = fakeApi();
    api.state.banned = false;
    const Socket = FakeSocket as unknown as typeof WebSocket;
    await renderWithApp(
      <NotificationsProvider WebSocketImpl={Socket}>
        <Status />
      </NotificationsProvider>,
    );
    await advance(0);
    const me = FakeSocket.last();
    act(() => me.frame({ type: 'ready', unread_count: 0 }));
    api.state.banned = true;
    act(() => me.frame({ type: 'notification', notification: notification('account.banned'), unread_count: 1 }));
    expect(status()).toBe('banned, 0 recoveries');
    await advance(1_000);
    api.state.banned = false;
    act(() => me.frame({ type: 'notification', notification: notification('account.unbanned'), unread_count: 2 }));
    await advance(0);
    expect(api.asked()).toBe(1);
    expect(status()).toBe('not banned, 1 recoveries');
    // a socket refused for a ban (4403 user_banned) says so too, and opens again once it is over
    act(() => me.drop(4403, 'user_banned'));
    expect(status()).toBe('banned, 1 recoveries');
    const sockets = FakeSocket.instances.length;
    await advance(BAN_RECHECK_MS);
    expect(status()).toBe('not banned, 2 recoveries');
    expect(FakeSocket.instances.length).toBe(sockets + 1);
    expect(FakeSocket.last().url).toMatch(/\/ws\/me\/$/);
  });
});
