import 'fake-indexeddb/auto';
import { act, screen, waitFor, within } from '@testing-library/react';
import { createStore, entries } from 'idb-keyval';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { safetyApi, type AlertInput } from '../api/safety';
import { parseConfig, setConfig } from '../config';
import { holdAndCountDown, polyfillDialog, renderSafety } from '../test/safetyDialog';
import { CREW, PERMISSION_DENIED, raiseCalls, safetyServer, stubGeolocation, unstubGeolocation, type SafetyServer } from '../test/safetyServer';
import { forgetPositions } from './position';
import { FLUSH_MESSAGE, SYNC_TAG, clearAlertQueueForTests, enqueueAlert, flushAlertQueue, queuedAlerts } from './queue';

const INPUT: AlertInput = { group_ids: [CREW.id], alert_type: 'lost', message: 'Lost near the stage', location: null };

/** What IndexedDB holds, read past the queue's own code. */
async function stored(): Promise<unknown[]> {
  return (await entries(createStore('crewup-alert-queue', 'alerts'))).map(([, value]) => value);
}

function setOnline(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online);
}

/** A service worker container that records Background Sync registrations and can post to the page. */
function stubServiceWorker() {
  const container = new EventTarget();
  const tags: string[] = [];
  const registration = { sync: { register: async (tag: string) => void tags.push(tag) } };
  Object.defineProperty(container, 'ready', { value: Promise.resolve(registration) });
  Object.defineProperty(navigator, 'serviceWorker', { configurable: true, value: container });
  return {
    tags,
    post: (data: unknown) => container.dispatchEvent(new MessageEvent('message', { data })),
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const send = (entry: { input: AlertInput }) => safetyApi.raise(entry.input);

beforeAll(polyfillDialog);

let server: SafetyServer;

beforeEach(async () => {
  setConfig(parseConfig({ issuer: 'http://idp/realms/crewup', clientId: 'crewup-spa', apiBase: '/' }));
  forgetPositions();
  await clearAlertQueueForTests();
  server = safetyServer();
  stubGeolocation({ error: PERMISSION_DENIED });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  unstubGeolocation();
  delete (navigator as { serviceWorker?: unknown }).serviceWorker;
});

describe('an alert raised offline', () => {
  it('is kept in IndexedDB, shown as queued with the emergency number, and sent once when the connection returns', async () => {
    // given: no connection
    setOnline(false);
    const worker = stubServiceWorker();
    await renderSafety();
    // when: the alert is raised
    const dialog = await holdAndCountDown();
    // then: queued on the device, nothing sent, and the user is told (with 112)
    expect(await within(dialog).findByTestId('alert-queued-notice')).toHaveTextContent('Your alert is kept on this phone');
    expect(within(dialog).getByRole('link', { name: 'Call 112' })).toHaveAttribute('href', 'tel:112');
    expect(await screen.findByTestId('alert-queued')).toHaveTextContent('Your alert is queued');
    expect(raiseCalls(server)).toBe(0);
    expect(await stored()).toEqual([expect.objectContaining({ username: 'alice', input: expect.objectContaining({ group_ids: [CREW.id], alert_type: 'help', location: null }) })]);
    await waitFor(() => expect(worker.tags).toEqual([SYNC_TAG]));
    // when: the connection returns
    setOnline(true);
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    // then: sent once, out of the queue, and shown as sent
    await within(dialog).findByText('Your alert was sent to your crew.');
    expect(raiseCalls(server)).toBe(1);
    expect(server.raised).toEqual([expect.objectContaining({ group_ids: [CREW.id], alert_type: 'help' })]);
    expect(await stored()).toEqual([]);
    await waitFor(() => expect(screen.queryByTestId('alert-queued')).toBeNull());
    expect(within(screen.getByRole('alert', { name: 'Live safety alerts' })).getAllByTestId('alert-card')).toHaveLength(1);
  });

  it.each<[number | 'network', string]>([
    ['network', 'no answer'],
    [503, 'a dependency down'],
  ])('is queued too when the request fails on the way (%s: %s)', async (answer) => {
    server.answers.push(answer);
    await renderSafety();

    await within(await holdAndCountDown()).findByTestId('alert-queued-notice');

    expect(raiseCalls(server)).toBe(1);
    expect(await stored()).toHaveLength(1);
  });

  it('that the API refuses for good is not queued: the form says why, with the emergency number', async () => {
    server.answers.push(400);
    await renderSafety();

    const dialog = await holdAndCountDown();

    expect(await within(dialog).findByText('Refused with 400.')).toBeInTheDocument();
    expect(within(dialog).getByRole('link', { name: 'Call 112' })).toHaveAttribute('href', 'tel:112');
    expect(await stored()).toEqual([]);
  });

  it('already queued goes out when the app starts', async () => {
    await enqueueAlert('alice', INPUT);

    await renderSafety();

    expect(await screen.findByTestId('alert-card')).toHaveTextContent('Lost near the stage');
    expect(raiseCalls(server)).toBe(1);
    expect(await stored()).toEqual([]);
  });

  it('goes out when the service worker asks for a flush', async () => {
    const worker = stubServiceWorker();
    server.answers.push('network'); // the start-up flush finds no network yet
    await enqueueAlert('alice', INPUT);
    await renderSafety();
    await waitFor(() => expect(raiseCalls(server)).toBe(1));
    expect(await stored()).toHaveLength(1);

    await act(async () => {
      worker.post({ type: 'something-else' });
    });
    expect(raiseCalls(server)).toBe(1);
    act(() => {
      worker.post({ type: FLUSH_MESSAGE });
    });

    expect(await screen.findByTestId('alert-card')).toHaveTextContent('Lost near the stage');
    expect(raiseCalls(server)).toBe(2);
    expect(server.raised).toHaveLength(1);
    expect(await stored()).toEqual([]);
  });
});

describe('flushing the queue', () => {
  it('never sends the same alert twice, however many triggers come at once', async () => {
    // given: one queued alert, and an API slow to answer it
    await enqueueAlert('alice', INPUT);
    const slow = deferred();
    server.answers.push(slow.promise);
    // when: three flushes overlap, while the first request is on its way
    const flushes = [flushAlertQueue('alice', send), flushAlertQueue('alice', send)];
    await waitFor(() => expect(raiseCalls(server)).toBe(1));
    flushes.push(flushAlertQueue('alice', send));
    await new Promise((resolve) => setTimeout(resolve, 50));
    slow.resolve();
    const outcomes = await Promise.all(flushes);
    // and once more afterwards
    await flushAlertQueue('alice', send);
    // then
    expect(raiseCalls(server)).toBe(1);
    expect(outcomes[0]?.map((outcome) => outcome.kind)).toEqual(['sent']);
    expect(await queuedAlerts('alice')).toEqual([]);
  });

  it('sends oldest first, and stops (keeping the rest) at the first that cannot go yet', async () => {
    await enqueueAlert('alice', { ...INPUT, message: 'first' }, 1);
    await enqueueAlert('alice', { ...INPUT, message: 'second' }, 2);
    await enqueueAlert('alice', { ...INPUT, message: 'third' }, 3);
    server.answers.push(Promise.resolve(), 'network'); // 201, then no network

    const outcomes = await flushAlertQueue('alice', send);

    expect(outcomes.map((outcome) => outcome.kind === 'sent' && outcome.entry.input.message)).toEqual(['first']);
    expect((await queuedAlerts('alice')).map((entry) => entry.input.message)).toEqual(['second', 'third']);
  });

  it.each([
    [401, 'a token to renew'],
    [429, 'the rate limit'],
    [503, 'a dependency down'],
    [502, 'the ingress'],
  ])('keeps an alert answered %i (%s) for the next try', async (status) => {
    await enqueueAlert('alice', INPUT);
    server.answers.push(status);

    const outcomes = await flushAlertQueue('alice', send);

    expect(raiseCalls(server)).toBe(1);
    expect(outcomes).toEqual([]);
    expect(await queuedAlerts('alice')).toHaveLength(1);
  });

  it.each([400, 403, 404])('drops an alert answered %i and tells the user', async (status) => {
    await enqueueAlert('alice', INPUT);
    server.answers.push(status);
    await renderSafety();

    const refused = await screen.findByTestId('alert-refused');

    expect(refused).toHaveTextContent(`Your queued alert could not be sent: Refused with ${status}.`);
    expect(within(refused).getByRole('link', { name: 'Call 112' })).toHaveAttribute('href', 'tel:112');
    expect(await stored()).toEqual([]);
    expect(raiseCalls(server)).toBe(1);
  });

  it("sends only the signed-in user's alerts", async () => {
    await enqueueAlert('bob', INPUT);

    await renderSafety();
    await waitFor(() => expect(server.fetch).toHaveBeenCalled());

    expect(raiseCalls(server)).toBe(0);
    expect(await queuedAlerts('bob')).toHaveLength(1);
    expect(screen.queryByTestId('alert-queued')).toBeNull();
  });
});
