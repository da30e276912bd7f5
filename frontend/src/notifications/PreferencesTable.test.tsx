import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { NotificationPreference } from '../api/users';
import { renderWithApp } from '../test/render';
import { json } from '../test/fakes';
import { PreferencesTable } from './PreferencesTable';

const PREFS: NotificationPreference[] = [
  { kind: 'safety.alert_raised', in_app: true, push: true, email: true, locked: ['in_app', 'push'] },
  { kind: 'crew.join_requested', in_app: true, push: true, email: false, locked: [] },
];

afterEach(() => vi.unstubAllGlobals());

async function setup(patchStatus = 200, language = 'en') {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (!url.includes('/users/me/notification-preferences/')) return json({}, 404);
    if (init?.method === 'PATCH') {
      if (patchStatus !== 200) return json({ error: { code: 'locked', message: 'That cannot be switched off.', fields: {} } }, patchStatus);
      const change = (JSON.parse(String(init.body)) as { preferences: Partial<NotificationPreference>[] }).preferences[0]!;
      return json({ preferences: PREFS.map((p) => (p.kind === change.kind ? { ...p, ...change } : p)) });
    }
    return json({ preferences: PREFS });
  });
  vi.stubGlobal('fetch', fetchMock);
  await renderWithApp(<PreferencesTable />, { language });
  return { fetchMock };
}

describe('PreferencesTable', () => {
  it('locks the channels a safety kind must use, and says why', async () => {
    await setup();
    const inApp = await screen.findByRole('checkbox', { name: 'In the app: A crew mate raises a safety alert' });
    const push = screen.getByRole('checkbox', { name: 'Push: A crew mate raises a safety alert' });
    const email = screen.getByRole('checkbox', { name: 'E-mail: A crew mate raises a safety alert' });
    for (const box of [inApp, push]) {
      expect(box).toBeDisabled();
      expect(box).toBeChecked();
      expect(box).toHaveAccessibleDescription('Safety alerts cannot be switched off');
    }
    expect(email).toBeEnabled();
    expect(screen.getByRole('checkbox', { name: 'Push: Someone asks to join my crew' })).toBeEnabled();
    expect(screen.getAllByText('Safety alerts cannot be switched off')).toHaveLength(1);
  });

  it('saves a change as a PATCH of that kind and channel', async () => {
    const { fetchMock } = await setup();
    const email = await screen.findByRole('checkbox', { name: 'E-mail: Someone asks to join my crew' });
    await userEvent.click(email);
    expect(email).toBeChecked();
    await screen.findByText('Saved.');
    const patch = fetchMock.mock.calls.find(([, init]) => init?.method === 'PATCH');
    expect(JSON.parse(String(patch![1]!.body))).toEqual({ preferences: [{ kind: 'crew.join_requested', email: true }] });
  });

  it('puts the box back when the server refuses', async () => {
    await setup(400);
    const push = await screen.findByRole('checkbox', { name: 'Push: Someone asks to join my crew' });
    await userEvent.click(push);
    await screen.findByText('That cannot be switched off.');
    await waitFor(() => expect(push).toBeChecked());
  });

  it('speaks Swedish', async () => {
    await setup(200, 'sv');
    const push = await screen.findByRole('checkbox', { name: 'Push: Någon i mina crews skickar ett trygghetslarm' });
    expect(push).toBeDisabled();
    expect(push).toHaveAccessibleDescription('Trygghetslarm kan inte stängas av');
  });
});
