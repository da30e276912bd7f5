import { act, screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { SafetyProvider } from '../safety/SafetyProvider';
import { FakeSocket, json } from '../test/fakes';
import { renderWithApp } from '../test/render';
import { openAlertDetail } from '../test/safetyServer';
import ChatPage from './ChatPage';
import { DiscoverPage } from './DiscoverPage';
import SafetyPage from './SafetyPage';

// Issue #13: a signed-in tab left open on Discover, a crew's chat or Safety makes at most two
// requests a minute; what changes comes over its sockets. The app's shell as App.tsx composes
// it, against an API that answers everything with little, and sockets the test opens.

const CREW = { id: 'c1', name: 'Front row' };
const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const page = (results: unknown[], extra: Record<string, unknown> = {}) => json({ count: results.length, next: null, previous: null, results, ...extra });
const openAlert = openAlertDetail({ id: 'a1', sender: bob, message: 'Lost near the stage' });

function fakeApi() {
  const fetchMock = vi.fn(async (url: string) => {
    const path = new URL(url, 'http://app').pathname;
    if (path === '/api/v1/groups/') return page([CREW]);
    if (path === '/api/v1/groups/c1/') return json({ ...CREW, my_role: 'member' });
    if (path === '/api/v1/groups/c1/members/') return page([]);
    if (path === '/api/v1/groups/c1/messages/') return page([], { first_sequence: 1, last_sequence: 0 });
    if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
    if (path === '/api/v1/safety/alerts/') return page([openAlert]);
    if (path === '/api/v1/safety/alerts/a1/') return json({ ...openAlert, acknowledgements: [], trail: [] });
    if (path === '/api/v1/safety/check-ins/mine/') return page([]);
    if (path === '/api/v1/events/') return page([]);
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  return () => fetchMock.mock.calls.filter(([url]) => new URL(String(url), 'http://app').pathname.startsWith('/api/')).length;
}

async function advance(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** The signed-in app on `path`, its sockets open and its first reads done. */
async function openTab(path: string) {
  const apiCalls = fakeApi();
  const Socket = FakeSocket as unknown as typeof WebSocket;
  await renderWithApp(
    <NotificationsProvider WebSocketImpl={Socket}>
      <SafetyProvider WebSocketImpl={Socket}>
        <Routes>
          <Route path="/" element={<DiscoverPage />} />
          <Route path="/crews/:id/chat" element={<ChatPage />} />
          <Route path="/safety" element={<SafetyPage />} />
        </Routes>
      </SafetyProvider>
    </NotificationsProvider>,
    { path },
  );
  await advance(0);
  for (const socket of FakeSocket.instances) {
    act(() => socket.frame(socket.url.endsWith('/ws/me/') ? { type: 'ready', unread_count: 0 } : { type: 'ready', group_id: CREW.id, last_sequence: 0, online: [] }));
  }
  await advance(5_000);
  return apiCalls;
}

beforeEach(() => {
  FakeSocket.instances = [];
  vi.stubGlobal('WebSocket', FakeSocket);
  Element.prototype.scrollIntoView = vi.fn();
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe.each([
  ['Discover', '/', () => screen.getByRole('search')],
  ['a crew chat', '/crews/c1/chat', () => screen.getByTestId('chat-state').closest('[data-state="open"]')],
  ['Safety', '/safety', () => screen.getByRole('heading', { name: 'Check-in timers' })],
])('A tab left open on %s', (_name, path, shown) => {
  it('makes at most two requests a minute, with an alert open in its crew', async () => {
    const apiCalls = await openTab(path);
    expect(shown()).toBeInTheDocument();
    expect(FakeSocket.instances.length).toBeGreaterThanOrEqual(2); // /ws/me/ and the crew's
    const settled = apiCalls();
    expect(settled).toBeGreaterThan(0);
    for (let minute = 0; minute < 10; minute += 1) {
      const before = apiCalls();
      await advance(60_000);
      expect(apiCalls() - before).toBeLessThanOrEqual(2);
    }
    // the open alerts in my crews, every two minutes
    expect(apiCalls() - settled).toBe(5);
  });
});
