import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Profile } from '../api/users';
import { json } from '../test/fakes';
import { alice, renderWithApp } from '../test/render';
import ProfilePage from './ProfilePage';

const profile: Profile = {
  id: 'u-alice',
  username: 'alice',
  email: 'alice@example.test',
  first_name: 'Alice',
  last_name: 'Andersson',
  display_name: 'Alice Andersson',
  display_name_override: '',
  bio: '',
  avatar_url: '',
  interests: [],
  home_location: null,
  roles: ['user', 'moderator'],
  language: 'en',
  time_zone: 'Europe/Stockholm',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

/** The API as the profile page uses it; PATCH users/me/ answers what it was sent. */
function fakeApi() {
  const patches: Record<string, unknown>[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url.endsWith('/users/me/') && init?.method === 'PATCH') {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        patches.push(body);
        return json({ ...profile, ...body });
      }
      if (url.endsWith('/users/me/')) return json(profile);
      return json({ count: 0, next: null, previous: null, results: [] });
    }),
  );
  return patches;
}

afterEach(() => vi.unstubAllGlobals());

describe('ProfilePage, language and time zone', () => {
  it('saves the language and time zone that notifications and e-mails are written in', async () => {
    const patches = fakeApi();
    await renderWithApp(<ProfilePage />, { user: { ...alice, roles: ['user', 'moderator'] } });
    const form = (await screen.findByLabelText('Time zone')).closest('form')!;
    expect(screen.getByLabelText('Time zone')).toHaveValue('Europe/Stockholm');

    await userEvent.selectOptions(within(form).getByLabelText('Language of notifications and e-mails'), 'sv');
    await userEvent.selectOptions(within(form).getByLabelText('Time zone'), 'Europe/Helsinki');
    await userEvent.click(within(form).getByRole('button', { name: 'Save' }));

    await screen.findByText('Saved.');
    expect(patches.at(-1)).toMatchObject({ language: 'sv', time_zone: 'Europe/Helsinki' });
  });

  it('names the roles in the page language, not as the identity provider spells them', async () => {
    fakeApi();
    await renderWithApp(<ProfilePage />, { user: { ...alice, roles: ['user', 'moderator'] }, language: 'sv' });
    expect(await screen.findByText(/roller: medlem, moderator/)).toBeInTheDocument();
    expect(screen.queryByText(/roller: user/)).toBeNull();
  });
});
