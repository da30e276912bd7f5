import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CrewActions } from './CrewActions';
import type { Crew } from '../api/groups';
import { renderWithApp } from '../test/render';

const crew = (extra: Partial<Crew>): Crew => ({
  id: 'g1',
  event: { id: 'e1', title: 'Jazz', starts_at: '2026-12-05T18:00:00Z', ends_at: '2026-12-05T21:00:00Z', status: 'scheduled' },
  name: 'Front row',
  description: '',
  max_members: 6,
  member_count: 2,
  is_full: false,
  join_policy: 'open',
  visibility: 'public',
  created_by: null,
  my_role: null,
  removed_at: null,
  removal_reason: '',
  created_at: '',
  updated_at: '',
  ...extra,
});

afterEach(() => vi.unstubAllGlobals());

describe('CrewActions', () => {
  it('joins an open crew', async () => {
    const fetchMock = vi.fn().mockResolvedValue(new Response('{"id": "m1"}', { status: 201, headers: { 'Content-Type': 'application/json' } }));
    vi.stubGlobal('fetch', fetchMock);
    const onChange = vi.fn();
    await renderWithApp(<CrewActions crew={crew({})} onChange={onChange} />);
    await userEvent.click(screen.getByRole('button', { name: 'Join Front row' }));
    expect(fetchMock.mock.calls[0]![0]).toMatch(/\/api\/v1\/groups\/g1\/join\/$/);
    expect(onChange).toHaveBeenCalled();
  });

  it('asks to join a crew that takes requests, and says the request went', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('{"id": "r1"}', { status: 201, headers: { 'Content-Type': 'application/json' } })));
    await renderWithApp(<CrewActions crew={crew({ join_policy: 'request' })} onChange={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Ask to join Front row' }));
    expect(await screen.findByText(/Request sent/)).toBeInTheDocument();
  });

  it('offers the chat to members, and nothing to join on an invite-only crew', async () => {
    await renderWithApp(<CrewActions crew={crew({ my_role: 'member' })} onChange={() => {}} />);
    expect(screen.getByRole('link', { name: 'Open chat Front row' })).toHaveAttribute('href', '/crews/g1/chat');
  });

  it('shows a refusal from the API', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('{"error": {"code": "group_full", "message": "The crew is full.", "fields": {}}}', { status: 409, headers: { 'Content-Type': 'application/json' } })));
    await renderWithApp(<CrewActions crew={crew({})} onChange={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Join Front row' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The crew is full.');
  });
});
