import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWithApp } from '../test/render';
import { FakeSocket, json } from '../test/fakes';
import { notification } from '../test/notifications';
import { NotificationsProvider } from './NotificationsProvider';
import { NotificationBell } from './NotificationBell';

const alert = notification('safety.alert_raised', { id: 'n-alert', link: '/safety?alert=a1', created_at: new Date(Date.now() - 5 * 60_000).toISOString() });
const approved = notification('crew.join_approved', { id: 'n-crew', link: '/crews/g1/chat', read_at: '2026-12-05T20:00:00Z' });
const older = notification('event.cancelled', { id: 'n-older', link: '/events/e1', created_at: '2026-11-01T10:00:00Z' });

beforeEach(() => {
  FakeSocket.instances = [];
});
afterEach(() => vi.unstubAllGlobals());

async function setup(language = 'en', initialUnread = 2) {
  let unread = initialUnread;
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.includes('/notifications/read-all/') && init?.method === 'POST') {
      unread = 0;
      return json({ unread_count: 0 });
    }
    if (url.includes('/notifications/n-alert/read/') && init?.method === 'POST') return json({ ...alert, read_at: new Date().toISOString() });
    if (url.includes('/users/me/notifications/?cursor=c2')) return json({ results: [older], next: null, unread_count: unread });
    if (url.includes('/users/me/notifications/')) {
      return json({ results: [alert, approved], next: 'http://user-service:8000/api/v1/users/me/notifications/?cursor=c2', unread_count: unread });
    }
    return json({}, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  await renderWithApp(
    <NotificationsProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
      <NotificationBell />
    </NotificationsProvider>,
    { language },
  );
  return { fetchMock };
}

describe('NotificationBell', () => {
  it('says how many are unread, on the button and to screen readers', async () => {
    await setup();
    const bell = await screen.findByRole('button', { name: 'Notifications: 2 unread' });
    expect(bell).toHaveAttribute('aria-expanded', 'false');
    expect(screen.getByTestId('unread-badge')).toHaveTextContent('2');
    expect(screen.getByRole('status')).toHaveTextContent('2 unread notifications');
  });

  it('names the button with what its badge shows, also past 99', async () => {
    await setup('en', 120);
    await screen.findByRole('button', { name: 'Notifications: 99+ unread' });
    expect(screen.getByTestId('unread-badge')).toHaveTextContent('99+');
  });

  it('lists them newest first in words of their own, unread marked, each a link', async () => {
    await setup();
    await userEvent.click(await screen.findByRole('button', { name: 'Notifications: 2 unread' }));
    const panel = screen.getByRole('dialog', { name: 'Notifications' });
    const items = within(panel).getAllByTestId('notification');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('Unread: Safety alert from Bob');
    expect(items[0]).toHaveTextContent('5 minutes ago');
    expect(items[0]).toHaveClass('notification-unread');
    expect(items[1]).not.toHaveClass('notification-unread');
    expect(within(items[0]!).getByRole('link')).toHaveAttribute('href', '/safety?alert=a1');
    expect(within(panel).getByRole('link', { name: 'Notification settings' })).toHaveAttribute('href', '/profile#notifications');
  });

  it('marks one read when it is opened', async () => {
    const { fetchMock } = await setup();
    await userEvent.click(await screen.findByRole('button', { name: 'Notifications: 2 unread' }));
    await userEvent.click(screen.getByRole('link', { name: /Safety alert from Bob/ }));
    await screen.findByRole('button', { name: 'Notifications: 1 unread' });
    expect(fetchMock).toHaveBeenCalledWith(expect.stringContaining('/notifications/n-alert/read/'), expect.objectContaining({ method: 'POST' }));
  });

  it('marks all as read', async () => {
    const { fetchMock } = await setup();
    await userEvent.click(await screen.findByRole('button', { name: 'Notifications: 2 unread' }));
    await userEvent.click(screen.getByRole('button', { name: 'Mark all as read' }));
    await screen.findByRole('button', { name: 'Notifications' });
    expect(screen.queryByTestId('unread-badge')).toBeNull();
    expect(screen.getByRole('button', { name: 'Mark all as read' })).toBeDisabled();
    expect(screen.getAllByTestId('notification').filter((li) => li.classList.contains('notification-unread'))).toHaveLength(0);
    expect(fetchMock).toHaveBeenCalledWith(expect.stringContaining('/notifications/read-all/'), expect.objectContaining({ method: 'POST' }));
  });

  it('loads more with the cursor of `next`, and closes on Escape', async () => {
    await setup();
    const bell = await screen.findByRole('button', { name: 'Notifications: 2 unread' });
    await userEvent.click(bell);
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('notification')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(bell).toHaveFocus();
  });

  it('speaks Swedish', async () => {
    await setup('sv');
    await userEvent.click(await screen.findByRole('button', { name: 'Notiser: 2 olästa' }));
    expect(screen.getByRole('button', { name: 'Markera alla som lästa' })).toBeEnabled();
    expect(screen.getAllByTestId('notification')[0]).toHaveTextContent('Trygghetslarm från Bob');
  });
});
