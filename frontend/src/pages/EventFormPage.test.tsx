import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json } from '../test/fakes';
import { renderWithApp } from '../test/render';
import EventFormPage from './EventFormPage';

afterEach(() => vi.unstubAllGlobals());

describe('EventFormPage, a refused submit', () => {
  it('shows every mistake at once, each at its field, and puts the focus on the first', async () => {
    const fetch = vi.fn(async (_url: string, _init?: RequestInit) => json({ count: 0, next: null, previous: null, results: [] }));
    vi.stubGlobal('fetch', fetch);
    await renderWithApp(<EventFormPage />, { path: '/events/new' });
    // given an event with no title, an end before its start, a capacity of 0 and no place
    await userEvent.clear(screen.getByLabelText('Ends'));
    await userEvent.type(screen.getByLabelText('Ends'), '2020-01-01T10:00');
    await userEvent.type(screen.getByLabelText(/Capacity/), '0');
    // when it is submitted
    await userEvent.click(screen.getByRole('button', { name: 'Create event' }));
    // then all four are said, inline, and the first has the focus with its message
    const title = screen.getByLabelText('Title');
    expect(title).toHaveFocus();
    expect(title).toHaveAccessibleDescription('Fill this in.');
    expect(screen.getByLabelText('Ends')).toHaveAccessibleDescription('The end must come after the start.');
    expect(screen.getByText('A number from 1 to 100000, or leave it empty.')).toBeInTheDocument();
    expect(screen.getByText('Pick the location on the map.')).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Please correct the marked fields.');
    // and nothing was sent
    expect(fetch.mock.calls.filter(([, init]) => init?.method === 'POST')).toHaveLength(0);
  });
});
