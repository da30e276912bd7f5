import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { DiscoverPage } from '../pages/DiscoverPage';
import EventDetailPage from '../pages/EventDetailPage';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { renderWithApp } from '../test/render';

// Issue #15: an event's detail and Discover's list are one cached copy: an answer given on the
// detail, or a change told by my socket, shows in both without a reload.

function fakeServer() {
  const server = { going: 3, mine: null as string | null, title: 'Jazz night' };
  const event = () => ({
    id: 'e1',
    title: server.title,
    event_type: 'concert',
    description: '',
    starts_at: '2026-12-06T19:00:00Z',
    ends_at: '2026-12-06T22:00:00Z',
    venue_name: 'Kulturens hus',
    address: 'Skeppsbrogatan 17',
    location: { lat: 60.17, lng: 24.94 },
    capacity: null,
    visibility: 'public',
    status: 'scheduled',
    organizer: { id: 'u-carl', username: 'carl', display_name: 'Carl' },
    going_count: server.going,
    interested_count: 0,
    waitlist_count: 0,
    distance_km: 1.2,
    my_status: server.mine,
  });
  const page = (results: unknown[]) => json({ count: results.length, next: null, previous: null, results });
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const path = new URL(url, 'http://app').pathname;
      if (path === '/api/v1/events/e1/join/' && init?.method === 'POST') {
        server.going += 1;
        server.mine = 'going';
        return json({ id: 'p1', status: 'going', waitlist_position: null }, 201);
      }
      if (path === '/api/v1/events/') return page([event()]);
      if (path === '/api/v1/events/e1/') return json(event());
      if (path === '/api/v1/events/e1/participants/' || path === '/api/v1/groups/') return page([]);
      if (path === '/api/v1/users/me/notifications/') return json({ results: [], next: null, unread_count: 0 });
      return json({ error: { code: 'not_found', message: 'Not found.', fields: {} } }, 404);
    }),
  );
  return server;
}

async function renderBoth() {
  await renderWithApp(
    <NotificationsProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
      <Routes>
        <Route
          path="/events/:id"
          element={
            <>
              <div data-testid="detail">
                <EventDetailPage />
              </div>
              <div data-testid="list">
                <DiscoverPage />
              </div>
            </>
          }
        />
      </Routes>
    </NotificationsProvider>,
    { path: '/events/e1' },
  );
  await within(screen.getByTestId('detail')).findByRole('heading', { level: 1, name: 'Jazz night' });
  await within(screen.getByTestId('list')).findByText('3 going');
}

const detail = () => within(screen.getByTestId('detail'));
const list = () => within(screen.getByTestId('list'));

beforeEach(() => {
  FakeSocket.instances = [];
});
afterEach(() => vi.unstubAllGlobals());

describe('An event shown on its page and in Discover', () => {
  it('my answer on its page counts in both', async () => {
    fakeServer();
    await renderBoth();
    await userEvent.click(detail().getByRole('button', { name: 'Going' }));
    expect(await detail().findByText(/4 going/)).toBeInTheDocument();
    expect(await list().findByText('4 going')).toBeInTheDocument();
  });

  it('a change told by my socket shows in both', async () => {
    const server = fakeServer();
    await renderBoth();
    server.title = 'Jazz night (moved)';
    act(() => FakeSocket.last().frame({ type: 'notification', notification: notification('event.changed'), unread_count: 1 }));
    expect(await detail().findByRole('heading', { level: 1, name: 'Jazz night (moved)' })).toBeInTheDocument();
    expect(await list().findByRole('link', { name: 'Jazz night (moved)' })).toBeInTheDocument();
  });
});
