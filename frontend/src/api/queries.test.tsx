import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { focusManager, onlineManager } from '@tanstack/react-query';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import CrewPage from '../pages/CrewPage';
import CrewsPage from '../pages/CrewsPage';
import { SafetyProvider } from '../safety/SafetyProvider';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { renderWithApp } from '../test/render';
import { setAccountBanned, STALE_MS } from './queryClient';

// Issue #15: one cached copy of what the API said, shared by the pages that show it, and kept
// current by what changes it: a socket's frame, the tab shown again or back online, a change
// made here. Against one crew `g1` whose name and members the test changes on the server.

const alice = { id: 'u-alice', username: 'alice', display_name: 'Alice' };
const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const carl = { id: 'u-carl', username: 'carl', display_name: 'Carl' };

function fakeServer() {
  const server = { name: 'Front row', members: [alice, bob] };
  const crew = () => ({
    id: 'g1',
    name: server.name,
    description: '',
    event: { id: 'e1', title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z', ends_at: '2026-12-06T22:00:00Z', status: 'scheduled' },
    member_count: server.members.length,
    max_members: 8,
    is_full: false,
    join_policy: 'open',
    visibility: 'public',
    my_role: 'owner',
    removed_at: null,
    removal_reason: '',
  });
  const page = (results: unknown[]) => json({ count: results.length, next: null, previous: null, results });
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    const path = new URL(url, 'http://app').pathname;
    if (path === '/api/v1/groups/g1/' && init?.method === 'PATCH') {
      server.name = (JSON.parse(String(init.body)) as { name: string }).name;
      return json(crew());
    }
    if (path === '/api/v1/groups/') return page([crew()]);
    if (path === '/api/v1/groups/g1/') return json(crew());
    if (path === '/api/v1/groups/g1/members/') return page(server.members.map((user, i) => ({ id: `m${i}`, user, role: i === 0 ? 'owner' : 'member' })));
    if (path.startsWith('/api/v1/groups/g1/')) return page([]);
    if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
    if (path === '/api/v1/safety/alerts/') return page([]);
    return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  const reads = (wanted: string) => fetchMock.mock.calls.filter(([url, init]) => new URL(String(url), 'http://app').pathname === wanted && (init?.method ?? 'GET') === 'GET').length;
  return { server, reads };
}

/** The crew's page and My crews side by side, in the app's providers with sockets the test drives. */
async function renderCrew() {
  const Socket = FakeSocket as unknown as typeof WebSocket;
  const view = await renderWithApp(
    <NotificationsProvider WebSocketImpl={Socket}>
      <SafetyProvider WebSocketImpl={Socket}>
        <Routes>
          <Route
            path="/crews/:id"
            element={
              <>
                <div data-testid="detail">
                  <CrewPage />
                </div>
                <div data-testid="list">
                  <CrewsPage />
                </div>
              </>
            }
          />
        </Routes>
      </SafetyProvider>
    </NotificationsProvider>,
    { path: '/crews/g1' },
  );
  await screen.findByRole('heading', { level: 1, name: 'Front row' });
  await within(screen.getByTestId('list')).findByText(/2 of 8 members/);
  return view;
}

const detail = () => within(screen.getByTestId('detail'));
const list = () => within(screen.getByTestId('list'));
const crewSocket = () => FakeSocket.instances.filter((s) => s.url.includes('/ws/groups/g1/chat/')).at(-1)!;
const mySocket = () => FakeSocket.instances.filter((s) => s.url.endsWith('/ws/me/')).at(-1)!;

beforeEach(() => {
  FakeSocket.instances = [];
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  focusManager.setFocused(undefined);
  onlineManager.setOnline(true);
});

describe('A socket frame', () => {
  it('someone joining the crew shows on its page and in My crews, without a reload', async () => {
    const api = fakeServer();
    await renderCrew();
    expect(detail().queryByText(/Carl/)).toBeNull();
    // when carl joins: the crew's socket (the safety listener's) says so
    api.server.members = [alice, bob, carl];
    act(() => crewSocket().frame({ type: 'member_joined', group_id: 'g1', user_id: carl.id }));
    // then the page shows him and the new count, and so does the list
    expect(await detail().findByText(/Carl/)).toBeInTheDocument();
    expect(await detail().findByText(/3 of 8 members/)).toBeInTheDocument();
    expect(await list().findByText(/3 of 8 members/)).toBeInTheDocument();
  });

  it('one change told by several sockets is read once', async () => {
    const api = fakeServer();
    await renderCrew();
    const before = api.reads('/api/v1/groups/g1/members/');
    api.server.members = [alice, bob, carl];
    act(() => {
      crewSocket().frame({ type: 'member_joined', group_id: 'g1', user_id: carl.id });
      mySocket().frame({ type: 'notification', notification: notification('crew.invite_used'), unread_count: 1 });
    });
    expect(await detail().findByText(/Carl/)).toBeInTheDocument();
    expect(api.reads('/api/v1/groups/g1/members/') - before).toBe(1);
  });

  it('a membership frame on my own socket reads my crews again', async () => {
    const api = fakeServer();
    await renderCrew();
    api.server.name = 'Back row';
    act(() => mySocket().frame({ type: 'membership', group_id: 'g1', change: 'joined' }));
    expect(await list().findByRole('link', { name: 'Back row' })).toBeInTheDocument();
    expect(await screen.findByRole('heading', { level: 1, name: 'Back row' })).toBeInTheDocument();
  });
});

describe('The tab shown again, or the browser back online', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });

  it('reads what is shown again when it is older than 30 s, and not before', async () => {
    const api = fakeServer();
    await renderCrew();
    const before = api.reads('/api/v1/groups/g1/');
    api.server.name = 'Back row';
    // shown again at once: fresh enough
    act(() => focusManager.setFocused(false));
    act(() => focusManager.setFocused(true));
    expect(api.reads('/api/v1/groups/g1/')).toBe(before);
    // shown again later: read again
    vi.setSystemTime(Date.now() + STALE_MS + 1);
    act(() => focusManager.setFocused(false));
    act(() => focusManager.setFocused(true));
    expect(await screen.findByRole('heading', { level: 1, name: 'Back row' })).toBeInTheDocument();
    expect(api.reads('/api/v1/groups/g1/') - before).toBe(1);
  });

  it('reads what is shown again when the connection returns', async () => {
    const api = fakeServer();
    await renderCrew();
    api.server.members = [alice, bob, carl];
    vi.setSystemTime(Date.now() + STALE_MS + 1);
    act(() => onlineManager.setOnline(false));
    act(() => onlineManager.setOnline(true));
    expect(await detail().findByText(/Carl/)).toBeInTheDocument();
    expect(await list().findByText(/3 of 8 members/)).toBeInTheDocument();
  });

  it('reads nothing again while my account is banned', async () => {
    const api = fakeServer();
    const { queryClient } = await renderCrew();
    const before = api.reads('/api/v1/groups/g1/');
    // as AccountStatus marks it when a request is refused for a ban
    act(() => setAccountBanned(queryClient, true));
    vi.setSystemTime(Date.now() + STALE_MS + 1);
    act(() => focusManager.setFocused(false));
    act(() => focusManager.setFocused(true));
    act(() => onlineManager.setOnline(false));
    act(() => onlineManager.setOnline(true));
    await act(async () => {});
    expect(api.reads('/api/v1/groups/g1/')).toBe(before);
  });
});

describe('A change made here', () => {
  it('renaming the crew shows the new name on its page and in My crews', async () => {
    fakeServer();
    await renderCrew();
    await userEvent.click(screen.getByText('Edit crew'));
    const name = screen.getByLabelText('Crew name');
    await userEvent.clear(name);
    await userEvent.type(name, 'Back row');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Back row' })).toBeInTheDocument();
    expect(await list().findByRole('link', { name: 'Back row' })).toBeInTheDocument();
  });
});
