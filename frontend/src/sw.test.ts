// The service worker's event handlers, run against a stand-in for its global scope (the
// precache and routes are Workbox's and stubbed here; the real worker runs in the e2e tests).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('workbox-core', () => ({ clientsClaim: vi.fn() }));
vi.mock('workbox-precaching', () => ({ cleanupOutdatedCaches: vi.fn(), createHandlerBoundToURL: vi.fn(), precacheAndRoute: vi.fn() }));
vi.mock('workbox-routing', () => ({ NavigationRoute: vi.fn(), registerRoute: vi.fn() }));
vi.mock('workbox-strategies', () => ({ NetworkFirst: vi.fn() }));

type Handler = (event: Record<string, unknown>) => void;

interface FakeWindow {
  url: string;
  focused: boolean;
  visibilityState: string;
  focus: ReturnType<typeof vi.fn>;
  postMessage: ReturnType<typeof vi.fn>;
}

const ORIGIN = 'https://crewup.example';
const handlers: Record<string, Handler> = {};
let windows: FakeWindow[] = [];
const shown: { title: string; options: Record<string, unknown> }[] = [];
const scope = {
  location: new URL(`${ORIGIN}/sw.js`),
  navigator: { language: 'en-GB' },
  __WB_MANIFEST: [],
  skipWaiting: vi.fn(async () => undefined),
  addEventListener: (type: string, handler: Handler) => {
    handlers[type] = handler;
  },
  registration: {
    showNotification: vi.fn(async (title: string, options: Record<string, unknown>) => {
      shown.push({ title, options });
    }),
    pushManager: { subscribe: vi.fn(async () => ({ endpoint: 'https://push.example/new' })) },
  },
  clients: {
    matchAll: vi.fn(async () => windows),
    openWindow: vi.fn(async () => null),
  },
};

function window_(url = `${ORIGIN}/crews`, focused = false): FakeWindow {
  const client: FakeWindow = { url, focused, visibilityState: 'visible', focus: vi.fn(), postMessage: vi.fn() };
  client.focus.mockImplementation(async () => client);
  return client;
}

/** Fire one event at the worker; resolves (or rejects) as its waitUntil promises do. */
async function fire(type: string, fields: Record<string, unknown>) {
  const pending: Promise<unknown>[] = [];
  handlers[type]!({ ...fields, waitUntil: (promise: Promise<unknown>) => pending.push(promise) });
  await Promise.all(pending);
}

function tapped(data: Record<string, unknown>, action = '') {
  const notification = { data, close: vi.fn() };
  return { notification, event: { notification, action } };
}

const ack = { url: '/api/v1/safety/alerts/a1/token-acknowledgements/', token: 'once' };
const alertData = { id: 'n1', kind: 'safety.alert_raised', url: '/safety?alert=a1', ack };

beforeAll(async () => {
  vi.stubGlobal('self', scope);
  const sw = './sw';
  await import(/* @vite-ignore */ sw);
});
afterAll(() => vi.unstubAllGlobals());
beforeEach(() => {
  windows = [];
  shown.length = 0;
  vi.clearAllMocks();
});

describe('the service worker', () => {
  it('listens to push, notificationclick, sync and pushsubscriptionchange', () => {
    expect(Object.keys(handlers)).toEqual(expect.arrayContaining(['push', 'notificationclick', 'sync', 'pushsubscriptionchange', 'install']));
  });

  it('shows a pushed safety alert with its answers', async () => {
    await fire('push', { data: { json: () => ({ ...alertData, title: 'Safety alert from Bob', body: 'Lost', tag: 'alert-a1', urgent: true }) } });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.title).toBe('Safety alert from Bob');
    expect(shown[0]!.options).toMatchObject({ tag: 'alert-a1', requireInteraction: true, actions: [{ action: 'seen', title: 'Seen' }, { action: 'on_my_way', title: 'On my way' }] });
  });

  it('still shows a notification for a push it cannot read', async () => {
    await fire('push', { data: { json: () => JSON.parse('not json') } });
    expect(shown[0]!.title).toBe('CrewUp');
  });

  it('"On my way" posts the token (no Authorization), then closes the notification', async () => {
    const fetchMock = vi.fn(async () => new Response('{}', { status: 201 }));
    vi.stubGlobal('fetch', fetchMock);
    const { notification, event } = tapped(alertData, 'on_my_way');
    await fire('notificationclick', event);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe(`${ORIGIN}/api/v1/safety/alerts/a1/token-acknowledgements/`);
    expect(JSON.parse(String(init.body))).toEqual({ token: 'once', kind: 'on_my_way' });
    expect(JSON.stringify(init.headers)).not.toContain('Authorization');
    expect(notification.close).toHaveBeenCalled();
    expect(shown).toHaveLength(0);
    expect(scope.clients.openWindow).not.toHaveBeenCalled();
  });

  it('says when the answer could not be sent, and offers to open the app', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('offline'))));
    const { notification, event } = tapped(alertData, 'seen');
    await fire('notificationclick', event);
    expect(notification.close).toHaveBeenCalled();
    expect(shown[0]!.title).toBe('Your answer was not sent');
    expect(shown[0]!.options).toMatchObject({ actions: [{ action: 'open', title: 'Open CrewUp' }], data: { url: '/safety?alert=a1', ack: null } });
  });

  it('a tap brings an open window forward and routes it to the link', async () => {
    const other = window_(`${ORIGIN}/`);
    const focused = window_(`${ORIGIN}/crews`, true);
    windows = [other, focused];
    const { notification, event } = tapped(alertData);
    await fire('notificationclick', event);
    expect(notification.close).toHaveBeenCalled();
    expect(focused.focus).toHaveBeenCalled();
    expect(focused.postMessage).toHaveBeenCalledWith({ type: 'navigate', url: '/safety?alert=a1' });
    expect(scope.clients.openWindow).not.toHaveBeenCalled();
  });

  it('a tap with no window open opens one at the link', async () => {
    const { event } = tapped({ ...alertData, ack: null });
    await fire('notificationclick', event);
    expect(scope.clients.openWindow).toHaveBeenCalledWith(`${ORIGIN}/safety?alert=a1`);
  });

  it('background sync asks the windows to flush the alert queue, and retries later with none open', async () => {
    const client = window_();
    windows = [client];
    await fire('sync', { tag: 'crewup-alert-queue', lastChance: false });
    expect(client.postMessage).toHaveBeenCalledWith({ type: 'flush-alert-queue' });
    windows = [];
    await expect(fire('sync', { tag: 'crewup-alert-queue', lastChance: false })).rejects.toThrow();
    await fire('sync', { tag: 'crewup-alert-queue', lastChance: true });
    await fire('sync', { tag: 'something-else', lastChance: false });
  });

  it('subscribes again with the same key when the browser dropped the subscription, and tells the windows', async () => {
    const client = window_();
    windows = [client];
    const key = new Uint8Array([4, 1, 2, 3]).buffer;
    await fire('pushsubscriptionchange', { oldSubscription: { endpoint: 'https://push.example/old', options: { applicationServerKey: key } }, newSubscription: null });
    expect(scope.registration.pushManager.subscribe).toHaveBeenCalledWith({ userVisibleOnly: true, applicationServerKey: key });
    expect(client.postMessage).toHaveBeenCalledWith({ type: 'push-subscription-changed', oldEndpoint: 'https://push.example/old' });
  });
});
