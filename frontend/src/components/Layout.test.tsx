import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationsProvider } from '../notifications/NotificationsProvider';
import { FakeSocket, json } from '../test/fakes';
import { renderWithSafety } from '../test/safetyContext';
import { Layout } from './Layout';

afterEach(() => vi.unstubAllGlobals());

async function renderLayout() {
  const requests: { url: string; init?: RequestInit }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      requests.push({ url, init });
      if (url.includes('/users/me/notifications/')) return json({ results: [], next: null, unread_count: 0 });
      return json({});
    }),
  );
  await renderWithSafety(
    <NotificationsProvider WebSocketImpl={FakeSocket as unknown as typeof WebSocket}>
      <Layout />
    </NotificationsProvider>,
    [],
  );
  return requests;
}

describe('Layout, signed in', () => {
  it('lets a keyboard reach the safety button from the second tab stop', async () => {
    await renderLayout();
    await userEvent.tab();
    expect(screen.getByRole('link', { name: 'Skip to content' })).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole('link', { name: 'Skip to the safety button' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('button', { name: /Safety/ })).toHaveFocus();
  });

  it('shows every section and the signed-in name in the navigation', async () => {
    await renderLayout();
    const nav = screen.getByRole('navigation', { name: 'Main' });
    for (const name of ['Discover', 'New event', 'My crews', 'Safety', 'Profile: Alice']) {
      expect(nav).toContainElement(screen.getByRole('link', { name }));
    }
    // what is seen is the name; "Profile:" is for screen readers
    expect(screen.getByRole('link', { name: 'Profile: Alice' }).querySelector('.nav-account-name')).toHaveTextContent(/^Alice$/);
  });

  it("saves the header's language to the profile, which pushes and e-mails are written in", async () => {
    const requests = await renderLayout();
    await userEvent.selectOptions(screen.getByLabelText('Language'), 'sv');
    await waitFor(() => expect(requests.some((r) => r.url.endsWith('/users/me/') && r.init?.method === 'PATCH')).toBe(true));
    const patch = requests.find((r) => r.url.endsWith('/users/me/') && r.init?.method === 'PATCH')!;
    expect(JSON.parse(String(patch.init!.body))).toEqual({ language: 'sv' });
  });
});
