import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertDetail, AlertSummary } from '../api/safety';
import { renderWithApp } from '../test/render';
import { AlertBanners } from './AlertBanners';
import { SafetyProvider } from './SafetyProvider';

const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };

// As `GET safety/alerts/` lists it: no acknowledgements, no trail.
const listed: AlertSummary = {
  id: 'a1',
  alert_type: 'lost',
  message: 'Lost near the stage',
  status: 'open',
  sender: bob,
  location: null,
  latest_location: null,
  crews: [],
  created_at: '2026-12-05T21:00:00Z',
  cancellable_until: null,
  resolved_at: null,
  resolved_by: null,
  resolution_note: '',
  cancelled_at: null,
  check_in_due_at: null,
};
const detail = (acks: AlertDetail['acknowledgements']): AlertDetail => ({ ...listed, acknowledgements: acks, trail: [] });

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const page = (results: unknown[]) => json({ count: results.length, next: null, previous: null, results });

afterEach(() => vi.unstubAllGlobals());

describe('SafetyProvider', () => {
  it('shows a listed alert with who answered, and an acknowledgement in place', async () => {
    const ack = { user: { id: 'u-alice', username: 'alice', display_name: 'Alice' }, kind: 'on_my_way' as const, created_at: '', updated_at: '' };
    let acknowledged = false;
    const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
      if (url.includes('/groups/')) return page([]);
      if (url.includes('/safety/alerts/?')) return page([listed]);
      if (url.endsWith('/safety/alerts/a1/acknowledge/') && init?.method === 'POST') {
        acknowledged = true;
        return json(ack); // the acknowledgement alone, not the alert
      }
      if (url.endsWith('/safety/alerts/a1/')) return json(detail(acknowledged ? [ack] : []));
      return json({ error: { code: 'not_found', message: 'no', fields: {} } }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
    await renderWithApp(
      <SafetyProvider>
        <AlertBanners />
      </SafetyProvider>,
    );
    expect(await screen.findByText('Nobody has acknowledged yet.')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'On my way' }));
    expect(await screen.findByText('Alice: On my way')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'On my way' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getAllByTestId('alert-card')).toHaveLength(1);
  });
});
