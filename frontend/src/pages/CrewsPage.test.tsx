import { act, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { renderWithApp } from '../test/render';
import { FakeSocket, json } from '../test/fakes';
import CrewsPage from './CrewsPage';

const crew = {
  id: 'g1',
  name: 'Front row',
  event: { id: 'e1', title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z' },
  member_count: 2,
  max_members: 8,
  my_role: 'member',
};

afterEach(() => vi.unstubAllGlobals());

describe('CrewsPage', () => {
  it('shows a crew as soon as my request to join it is approved, without a reload', async () => {
    FakeSocket.instances = [];
    let approved = false;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url.includes('/groups/')) return json({ count: approved ? 1 : 0, next: null, previous: null, results: approved ? [crew] : [] });
        if (url.includes('/users/me/notifications/')) return json({ results: [], next: null, unread_count: 0 });
        return json({}, 404);
      }),
    );
    await renderWithApp(
      <NotificationsProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
        <CrewsPage />
      </NotificationsProvider>,
    );
    await screen.findByText('You are not in a crew yet.');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    approved = true;
    act(() => FakeSocket.last().frame({ type: 'membership', group_id: 'g1', change: 'request_approved' }));
    expect(await screen.findByRole('link', { name: 'Front row' })).toHaveAttribute('href', '/crews/g1');
  });
});
