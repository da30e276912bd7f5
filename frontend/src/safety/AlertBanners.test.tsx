import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { SafetyAlert } from '../api/safety';
import { renderWithSafety } from '../test/safetyContext';
import { openAlertDetail } from '../test/safetyServer';
import { AlertBanners } from './AlertBanners';

const person = (username: string) => ({ id: `u-${username}`, username, display_name: username.charAt(0).toUpperCase() + username.slice(1) });

function renderTray(alerts: SafetyAlert[]) {
  return renderWithSafety(<AlertBanners />, alerts);
}

describe('AlertBanners, the tray', () => {
  it('shows the newest open alert with its answers, the others behind a count, newest first', async () => {
    await renderTray([
      openAlertDetail({ id: 'a1', sender: person('bob'), message: 'First, at the bar', created_at: '2026-12-05T21:00:00Z' }),
      openAlertDetail({ id: 'a3', sender: person('carl'), message: 'Third, at the stage', created_at: '2026-12-05T21:20:00Z' }),
      openAlertDetail({ id: 'a2', sender: person('dana'), message: 'Second, outside', created_at: '2026-12-05T21:10:00Z' }),
      openAlertDetail({ id: 'a0', sender: person('erik'), message: 'Over already', status: 'resolved', resolved_at: '2026-12-05T21:30:00Z' }),
    ]);
    const tray = screen.getByRole('alert', { name: 'Live safety alerts' });
    expect(within(tray).getByText('3 open alerts')).toBeInTheDocument();
    expect(within(tray).getAllByTestId('alert-card')).toHaveLength(1);
    const newest = within(tray).getByTestId('alert-card');
    expect(newest).toHaveTextContent('Third, at the stage');
    // an answer is one tap away, without opening anything
    expect(within(newest).getByRole('button', { name: 'On my way' })).toBeVisible();

    await userEvent.click(within(tray).getByRole('button', { name: 'Show all 3' }));
    expect(within(tray).getAllByTestId('alert-card').map((card) => card.textContent)).toEqual([
      expect.stringContaining('Third'),
      expect.stringContaining('Second'),
      expect.stringContaining('First'),
    ]);
    expect(within(tray).queryByText('Over already')).toBeNull();
  });

  it("opens a card's map at the latest position on asking (on a phone it starts closed)", async () => {
    await renderTray([
      openAlertDetail({
        id: 'a1',
        sender: person('bob'),
        message: 'By the river',
        location: { lat: 60.17, lng: 24.94 },
        latest_location: { lat: 60.171, lng: 24.945, recorded_at: '2026-12-05T21:05:00Z', accuracy_m: 10 },
      }),
    ]);
    const toggle = screen.getByRole('button', { name: 'Show the map' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('region', { name: 'Map: where Bob is' })).toBeNull();
    await userEvent.click(toggle);
    expect(screen.getByRole('button', { name: 'Hide the map' })).toHaveAttribute('aria-expanded', 'true');
    expect(document.getElementById('alert-map-a1')).not.toBeNull();
  });
});
