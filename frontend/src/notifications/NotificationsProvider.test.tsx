import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../test/render';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import type { AppNotification } from '../api/users';
import { NotificationsProvider, useLiveNotifications, useMembershipChanges, useNotifications, type MembershipChange } from './NotificationsProvider';

function Probe({ onMembership, onLive = () => {} }: { onMembership: (change: MembershipChange) => void; onLive?: (notification: AppNotification) => void }) {
  const { unreadCount, items, live } = useNotifications();
  useMembershipChanges(onMembership);
  useLiveNotifications(onLive);
  return (
    <div>
      <p data-testid="count">{unreadCount}</p>
      <p data-testid="live">{live}</p>
      <ul>
        {items.map((n) => (
          <li key={n.id} data-testid="item">
            {n.id}
          </li>
        ))}
      </ul>
    </div>
  );
}

const first = notification('crew.join_approved', { id: 'old', created_at: '2026-12-05T20:00:00Z' });

beforeEach(() => {
  FakeSocket.instances = [];
});
afterEach(() => vi.unstubAllGlobals());

async function setup() {
  const fetchMock = vi.fn(async (url: string) => {
    if (url.includes('/users/me/notifications/')) return json({ results: [first], next: null, unread_count: 1 });
    return json({}, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  const onMembership = vi.fn();
  const onLive = vi.fn();
  await renderWithApp(
    <NotificationsProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
      <Probe onMembership={onMembership} onLive={onLive} />
    </NotificationsProvider>,
  );
  await screen.findByText('old');
  await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
  return { fetchMock, onMembership, onLive, socket: FakeSocket.last() };
}

describe('NotificationsProvider', () => {
  it('opens /ws/me/ with the chat protocol, the token as a subprotocol', async () => {
    const { socket } = await setup();
    expect(socket.url).toMatch(/^ws:\/\/[^/]+\/ws\/me\/$/);
    expect(socket.protocols).toEqual(['crewup.chat.v1', 'bearer.tok']);
  });

  it('takes the count from ready, then prepends a new notification and its count', async () => {
    const { socket } = await setup();
    act(() => socket.frame({ type: 'ready', unread_count: 1 }));
    expect(screen.getByTestId('live')).toHaveTextContent('open');
    expect(screen.getByTestId('count')).toHaveTextContent('1');
    const fresh = notification('safety.alert_raised', { id: 'fresh', created_at: '2026-12-05T21:00:00Z' });
    act(() => socket.frame({ type: 'notification', notification: fresh, unread_count: 2 }));
    expect(screen.getByTestId('count')).toHaveTextContent('2');
    expect(screen.getAllByTestId('item').map((li) => li.textContent)).toEqual(['fresh', 'old']);
    // the same one again (a replay) is not shown twice
    act(() => socket.frame({ type: 'notification', notification: fresh, unread_count: 2 }));
    expect(screen.getAllByTestId('item')).toHaveLength(2);
  });

  it('passes the notifications the socket brings (not the listed ones) to useLiveNotifications', async () => {
    const { socket, onLive } = await setup();
    expect(onLive).not.toHaveBeenCalled();
    const fresh = notification('safety.alert_acknowledged', { id: 'fresh' });
    act(() => socket.frame({ type: 'notification', notification: fresh, unread_count: 2 }));
    expect(onLive).toHaveBeenCalledWith(fresh);
  });

  it('passes membership changes to useMembershipChanges', async () => {
    const { socket, onMembership } = await setup();
    act(() => socket.frame({ type: 'membership', group_id: 'g1', change: 'request_approved' }));
    expect(onMembership).toHaveBeenCalledWith({ groupId: 'g1', change: 'request_approved' });
    act(() => socket.frame({ type: 'membership', group_id: 'g1', change: 'exploded' }));
    expect(onMembership).toHaveBeenCalledTimes(1);
  });

  it('reads the list again after a reconnect (the list is the source of truth)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { socket, fetchMock } = await setup();
      act(() => socket.frame({ type: 'ready', unread_count: 1 }));
      const listCalls = () => fetchMock.mock.calls.filter(([url]) => String(url).includes('/users/me/notifications/')).length;
      expect(listCalls()).toBe(1);
      act(() => socket.drop());
      expect(screen.getByTestId('live')).toHaveTextContent('offline');
      await act(async () => {
        await vi.advanceTimersByTimeAsync(1500);
      });
      await waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
      act(() => FakeSocket.last().frame({ type: 'ready', unread_count: 4 }));
      await waitFor(() => expect(listCalls()).toBe(2));
    } finally {
      vi.useRealTimers();
    }
  });
});
