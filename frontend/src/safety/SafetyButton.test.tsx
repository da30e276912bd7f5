import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdAndCountDown, polyfillDialog, renderSafety } from '../test/safetyDialog';
import { CREW, PERMISSION_DENIED, fixAt, safetyServer, stubGeolocation, unstubGeolocation, type SafetyServer } from '../test/safetyServer';
import { forgetPositions } from './position';
import { clearAlertQueueForTests } from './queue';

beforeAll(polyfillDialog);

let server: SafetyServer;

beforeEach(async () => {
  forgetPositions();
  await clearAlertQueueForTests();
  server = safetyServer();
});

afterEach(() => {
  vi.unstubAllGlobals();
  unstubGeolocation();
});

describe('SafetyButton', () => {
  it('with location access denied, sends at once without a position and says so', async () => {
    stubGeolocation({ error: PERMISSION_DENIED });

    await renderSafety();
    const dialog = await holdAndCountDown();

    await within(dialog).findByText('Your alert was sent to your crew.');
    expect(server.raised).toHaveLength(1);
    expect(server.raised[0]).toMatchObject({ group_ids: [CREW.id], alert_type: 'help', location: null });
    expect(within(dialog).getByTestId('sent-without-position')).toHaveTextContent('Your crew was alerted without your position');
    expect(within(dialog).getByRole('link', { name: 'Call 112' })).toHaveAttribute('href', 'tel:112');
    expect(within(dialog).getByTestId('position-unknown')).toHaveTextContent('Position not known yet');
    expect(screen.queryByText(/Your position is needed/)).toBeNull();
  });

  it('sends with the last position known when it is fresh', async () => {
    stubGeolocation({ watches: [[fixAt(Date.now() - 60_000, 65.59, 22.16)]] });

    await renderSafety();
    const dialog = await holdAndCountDown();

    await within(dialog).findByText('Your alert was sent to your crew.');
    expect(server.raised[0]?.location).toEqual({ lat: 65.59, lng: 22.16, accuracy_m: 20 });
    expect(within(dialog).queryByTestId('sent-without-position')).toBeNull();
    expect(within(dialog).queryByTestId('position-unknown')).toBeNull();
  });

  it('sends without a stale position (over 5 minutes old), and adds the first fresh one to the trail', async () => {
    // given: the only fix at hand is 6 minutes old; after sending, the watch finds a fresh one
    const stale = fixAt(Date.now() - 6 * 60_000, 65.1, 22.9);
    stubGeolocation({ watches: [[stale], [stale, fixAt(Date.now(), 65.59, 22.16)]] });
    // when
    await renderSafety();
    const dialog = await holdAndCountDown();
    await within(dialog).findByText('Your alert was sent to your crew.');
    // then: raised at once without it, "not known yet"
    expect(server.raised[0]?.location).toBeNull();
    expect(within(dialog).getByTestId('sent-without-position')).toHaveTextContent('Your position is not known yet');
    // and the fresh position goes to the alert's trail (the stale one does not)
    await waitFor(() => expect(server.positions.map((p) => p.id)).toEqual(['a1']));
    expect(server.positions[0]?.body).toMatchObject({ lat: 65.59, lng: 22.16, accuracy_m: 20 });
  });
});
