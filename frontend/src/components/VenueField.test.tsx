import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Place } from '../api/events';
import EventFormPage from '../pages/EventFormPage';
import { renderWithApp } from '../test/render';
import { VenueField } from './VenueField';

const APOLLO: Place = {
  id: 'p1',
  name: 'Apollo Live Club',
  kind: 'nightclub',
  address: 'Mannerheimintie 16, Helsinki',
  location: { lat: 60.1687589, lng: 24.9388542 },
};
const STREET_BAR: Place = {
  id: 'p2',
  name: 'Apollo Street Bar',
  kind: 'bar',
  address: 'Mannerheimintie 20, Helsinki',
  location: { lat: 60.1689333, lng: 24.9385799 },
};

function answerPlaces(places: Place[]) {
  const fetchMock = vi.fn().mockImplementation(async () => new Response(JSON.stringify(places), { status: 200, headers: { 'Content-Type': 'application/json' } }));
  vi.stubGlobal('fetch', fetchMock);
  return fetchMock;
}

function Field({ onPick }: { onPick: (place: Place) => void }) {
  const [value, setValue] = useState('');
  return <VenueField id="venue" value={value} near={{ lat: 60.17, lng: 24.94 }} onChange={setValue} onPick={(place) => { setValue(place.name); onPick(place); }} />;
}

afterEach(() => vi.unstubAllGlobals());

describe('VenueField', () => {
  it('searches once typing pauses, near the given point, and lists the places as options', async () => {
    const fetchMock = answerPlaces([APOLLO, STREET_BAR]);
    await renderWithApp(<Field onPick={() => {}} />);
    const combobox = screen.getByRole('combobox');

    await userEvent.type(combobox, 'apol');

    const options = await screen.findAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual([
      'Apollo Live ClubNightclub · Mannerheimintie 16, Helsinki',
      'Apollo Street BarBar · Mannerheimintie 20, Helsinki',
    ]);
    expect(combobox).toHaveAttribute('aria-expanded', 'true');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const url = new URL(String(fetchMock.mock.calls[0]![0]), 'http://localhost');
    expect(url.pathname).toBe('/api/v1/events/places/');
    expect(url.searchParams.get('q')).toBe('apol');
    expect(url.searchParams.get('near')).toBe('60.17,24.94');
    expect(screen.getByRole('status')).toHaveTextContent('2 places found');
  });

  it('moves with the arrow keys and picks with Enter', async () => {
    answerPlaces([APOLLO, STREET_BAR]);
    const onPick = vi.fn();
    await renderWithApp(<Field onPick={onPick} />);
    const combobox = screen.getByRole('combobox');
    await userEvent.type(combobox, 'apol');
    await screen.findAllByRole('option');

    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(combobox).toHaveAttribute('aria-activedescendant', screen.getAllByRole('option')[1]!.id);
    expect(screen.getAllByRole('option')[1]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowDown}'); // past the last: back to the first
    expect(screen.getAllByRole('option')[0]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{ArrowUp}'); // above the first: the last
    expect(screen.getAllByRole('option')[1]).toHaveAttribute('aria-selected', 'true');
    await userEvent.keyboard('{Enter}');

    expect(onPick).toHaveBeenCalledWith(STREET_BAR);
    expect(combobox).toHaveValue('Apollo Street Bar');
    expect(combobox).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryAllByRole('option')).toEqual([]);
  });

  it('closes with Escape, keeping what was typed, and Enter then picks nothing', async () => {
    answerPlaces([APOLLO]);
    const onPick = vi.fn();
    await renderWithApp(<Field onPick={onPick} />);
    const combobox = screen.getByRole('combobox');
    await userEvent.type(combobox, 'apol');
    await screen.findByRole('option');

    await userEvent.keyboard('{ArrowDown}{Escape}{Enter}');

    expect(combobox).toHaveAttribute('aria-expanded', 'false');
    expect(combobox).not.toHaveAttribute('aria-activedescendant');
    expect(combobox).toHaveValue('apol');
    expect(onPick).not.toHaveBeenCalled();
  });

  it('does not search for a single character', async () => {
    const fetchMock = answerPlaces([APOLLO]);
    await renderWithApp(<Field onPick={() => {}} />);

    await userEvent.type(screen.getByRole('combobox'), 'a');
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(fetchMock).not.toHaveBeenCalled();
    expect(screen.getByRole('combobox')).toHaveAttribute('aria-expanded', 'false');
  });

  it('says so when nothing matches', async () => {
    answerPlaces([]);
    await renderWithApp(<Field onPick={() => {}} />);

    await userEvent.type(screen.getByRole('combobox'), 'zzzz');

    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('No matching place'));
  });
});

describe('EventFormPage venue field', () => {
  it('fills the venue, the address and the location from a place picked with Enter, without submitting', async () => {
    const fetchMock = answerPlaces([APOLLO]);
    await renderWithApp(
      <Routes>
        <Route path="/events/new" element={<EventFormPage />} />
      </Routes>,
      { path: '/events/new' },
    );

    await userEvent.type(screen.getByRole('combobox', { name: 'Venue' }), 'apollo');
    await screen.findByRole('option', { name: /Apollo Live Club/ });
    await userEvent.keyboard('{ArrowDown}{Enter}');

    expect(screen.getByLabelText('Venue')).toHaveValue('Apollo Live Club');
    expect(screen.getByLabelText('Address')).toHaveValue('Mannerheimintie 16, Helsinki');
    expect(screen.getByLabelText('Latitude')).toHaveValue(60.1687589);
    expect(screen.getByLabelText('Longitude')).toHaveValue(24.9388542);
    // Enter picked: the form was not submitted (no POST), only the search went out.
    const apiCalls = fetchMock.mock.calls.map(([url]) => String(url)).filter((url) => url.includes('/api/'));
    expect(apiCalls).toEqual([expect.stringContaining('/api/v1/events/places/?q=apollo&near=60.1699%2C24.9441')]);
  });

  it('picks a place with the mouse too', async () => {
    answerPlaces([APOLLO]);
    await renderWithApp(
      <Routes>
        <Route path="/events/new" element={<EventFormPage />} />
      </Routes>,
      { path: '/events/new' },
    );

    await userEvent.type(screen.getByRole('combobox', { name: 'Venue' }), 'apollo');
    fireEvent.mouseDown(await screen.findByRole('option', { name: /Apollo Live Club/ }));

    expect(screen.getByLabelText('Venue')).toHaveValue('Apollo Live Club');
    expect(screen.getByLabelText('Address')).toHaveValue('Mannerheimintie 16, Helsinki');
  });
});
