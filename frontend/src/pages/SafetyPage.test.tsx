import { screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AlertDetail, SafetyAlert } from '../api/safety';
import { renderWithSafety } from '../test/safetyContext';
import { json } from '../test/fakes';
import SafetyPage from './SafetyPage';

const bob = { id: 'u-bob', username: 'bob', display_name: 'Bob' };
const alert = (id: string, message: string, status: SafetyAlert['status'] = 'open'): AlertDetail => ({
  id,
  alert_type: 'lost',
  message,
  status,
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
  acknowledgements: [],
  trail: [],
});

function render(alerts: SafetyAlert[], path: string, language = 'en') {
  return renderWithSafety(<SafetyPage />, alerts, { path, language });
}

beforeEach(() => {
  Element.prototype.scrollIntoView = vi.fn();
});
afterEach(() => vi.unstubAllGlobals());

describe('SafetyPage, a missed check-in', () => {
  it("words the timer's time in the reader's language and clock, then shows what the user wrote", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ count: 0, next: null, previous: null, results: [] })));
    const due = '2026-12-05T19:47:00Z';
    const missed = { ...alert('a1', 'Walking home along the river.'), alert_type: 'missed_check_in' as const, check_in_due_at: due };
    const time = new Intl.DateTimeFormat('sv', { timeStyle: 'short' }).format(new Date(due));
    await render([missed], '/safety', 'sv');
    const card = screen.getByTestId('alert-card');
    expect(card).toHaveTextContent(`Checkade inte in senast ${time}.`);
    expect(card).toHaveTextContent('Walking home along the river.');
    expect(card).not.toHaveTextContent('UTC');
  });
});

describe('SafetyPage ?alert=<id>', () => {
  it('scrolls to the open alert a notification links to, and highlights it', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ count: 0, next: null, previous: null, results: [] })));
    await render([alert('a0', 'Another one'), alert('a1', 'Lost near the stage')], '/safety?alert=a1');
    const linked = screen.getByTestId('linked-alert');
    expect(linked).toHaveTextContent('Lost near the stage');
    expect(linked).toHaveFocus();
    expect(Element.prototype.scrollIntoView).toHaveBeenCalled();
    expect(screen.getAllByTestId('alert-card')).toHaveLength(2);
  });

  it('fetches and shows an alert that is no longer open', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => (url.endsWith('/safety/alerts/a9/') ? json(alert('a9', 'Found them', 'resolved')) : json({ count: 0, next: null, previous: null, results: [] }))),
    );
    await render([], '/safety?alert=a9');
    const linked = await screen.findByTestId('linked-alert');
    expect(linked).toHaveTextContent('Found them');
    expect(linked).toHaveTextContent('resolved');
  });

  it('says so when the alert cannot be found', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url.includes('/safety/alerts/gone/') ? json({ error: { code: 'alert_not_found', message: 'No such alert.', fields: {} } }, 404) : json({ count: 0, next: null, previous: null, results: [] }),
      ),
    );
    await render([], '/safety?alert=gone');
    expect(await screen.findByText('This alert could not be found. It may have been removed.')).toBeInTheDocument();
  });
});
