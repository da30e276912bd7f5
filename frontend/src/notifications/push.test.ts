import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig, setConfig } from '../config';
import { json } from '../test/fakes';
import { disablePush, enablePush, PushError, pushPermission, pushSupported, syncPush } from './push';

// A real key's shape: base64url of a 65-byte uncompressed P-256 point.
const VAPID = 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U';

interface FakeSubscription {
  endpoint: string;
  options: { applicationServerKey: ArrayBuffer | null };
  toJSON: () => PushSubscriptionJSON;
  unsubscribe: ReturnType<typeof vi.fn>;
}

function subscription(key: Uint8Array): FakeSubscription {
  return {
    endpoint: 'https://push.example/send/abc',
    options: { applicationServerKey: key.slice().buffer },
    toJSON: () => ({ endpoint: 'https://push.example/send/abc', expirationTime: null, keys: { p256dh: 'P256', auth: 'AUTH' } }),
    unsubscribe: vi.fn(async () => true),
  };
}

/** The Cache API, in memory (where the worker's settings live). */
function fakeCaches() {
  const stores = new Map<string, Map<string, string>>();
  const open = async (name: string) => {
    const store = stores.get(name) ?? new Map<string, string>();
    stores.set(name, store);
    return {
      match: async (key: string) => (store.has(key) ? new Response(store.get(key)) : undefined),
      put: async (key: string, response: Response) => {
        store.set(key, await response.text());
      },
    };
  };
  vi.stubGlobal('caches', { open });
}

/** A browser with push: a secure page, a registered worker, and a permission answer. */
function browser({ answer = 'granted' as NotificationPermission, existing = null as FakeSubscription | null } = {}) {
  setConfig(parseConfig({ issuer: 'http://idp/realms/crewup', clientId: 'crewup-spa', apiBase: '/' }));
  const requestPermission = vi.fn(async () => {
    FakeNotification.permission = answer;
    return answer;
  });
  class FakeNotification {
    static permission: NotificationPermission = 'default';
    static requestPermission = requestPermission;
  }
  let current = existing;
  const pushManager = {
    getSubscription: vi.fn(async () => current),
    subscribe: vi.fn(async (options: PushSubscriptionOptionsInit) => {
      current = subscription(options.applicationServerKey as Uint8Array);
      return current;
    }),
  };
  const registration = { active: {}, pushManager };
  vi.stubGlobal('isSecureContext', true);
  vi.stubGlobal('PushManager', function PushManager() {});
  vi.stubGlobal('Notification', FakeNotification);
  Object.defineProperty(navigator, 'serviceWorker', {
    configurable: true,
    value: { getRegistration: vi.fn(async () => registration), ready: Promise.resolve(registration) },
  });
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.endsWith('/users/push-config/')) return json({ vapid_public_key: VAPID });
    if (url.endsWith('/users/me/push-subscriptions/') && init?.method === 'POST') return json({}, 201);
    if (url.endsWith('/users/me/push-subscriptions/') && init?.method === 'DELETE') return new Response(null, { status: 204 });
    return json({}, 404);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { requestPermission, pushManager, fetchMock, current: () => current };
}

afterEach(() => {
  vi.unstubAllGlobals();
  delete (navigator as { serviceWorker?: unknown }).serviceWorker;
});

describe('push on this device', () => {
  it('is unsupported without the Push API, a worker, or a secure page; nothing is asked', async () => {
    expect(pushSupported()).toBe(false);
    expect(pushPermission()).toBe('unsupported');
    await expect(enablePush('en', undefined, 'alice')).rejects.toEqual(new PushError('unsupported'));

    const { requestPermission } = browser();
    expect(pushSupported()).toBe(true);
    vi.stubGlobal('isSecureContext', false);
    expect(pushSupported()).toBe(false);
    await expect(enablePush('en', undefined, 'alice')).rejects.toMatchObject({ problem: 'unsupported' });
    expect(requestPermission).not.toHaveBeenCalled();
  });

  it('asks for permission first, and stops there when it is denied', async () => {
    const { requestPermission, pushManager, fetchMock } = browser({ answer: 'denied' });
    await expect(enablePush('en', undefined, 'alice')).rejects.toMatchObject({ problem: 'denied' });
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(pushManager.subscribe).not.toHaveBeenCalled();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(pushPermission()).toBe('denied');
  });

  it('subscribes with the VAPID key and registers the subscription with the language', async () => {
    const { pushManager, fetchMock } = browser();
    await enablePush('sv', undefined, 'alice');
    const options = pushManager.subscribe.mock.calls[0]![0];
    expect(options.userVisibleOnly).toBe(true);
    expect((options.applicationServerKey as Uint8Array).length).toBe(65);
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST')!;
    expect(post[0]).toMatch(/\/api\/v1\/users\/me\/push-subscriptions\/$/);
    expect(JSON.parse(String(post[1]!.body))).toEqual({
      endpoint: 'https://push.example/send/abc',
      expirationTime: null,
      keys: { p256dh: 'P256', auth: 'AUTH' },
      language: 'sv',
    });
  });

  it('says so when the server has push switched off', async () => {
    const { pushManager } = browser();
    await expect(enablePush('en', null, 'alice')).rejects.toMatchObject({ problem: 'server-off' });
    expect(pushManager.subscribe).not.toHaveBeenCalled();
  });

  it('does not keep a subscription the server did not take', async () => {
    const { fetchMock, current } = browser();
    fetchMock.mockImplementation(async (url: string) => (url.endsWith('/users/push-config/') ? json({ vapid_public_key: VAPID }) : json({}, 500)));
    await expect(enablePush('en', undefined, 'alice')).rejects.toMatchObject({ status: 500 });
    expect(current()!.unsubscribe).toHaveBeenCalled();
  });

  it('switches off: unsubscribes here and DELETEs the endpoint', async () => {
    const { fetchMock, current } = browser();
    await enablePush('en', VAPID, 'alice');
    const made = current()!;
    await disablePush();
    expect(made.unsubscribe).toHaveBeenCalled();
    const del = fetchMock.mock.calls.find(([, init]) => init?.method === 'DELETE')!;
    expect(JSON.parse(String(del[1]!.body))).toEqual({ endpoint: 'https://push.example/send/abc' });
  });

  it("keeps the server's copy current for the person who switched it on", async () => {
    fakeCaches();
    const { fetchMock } = browser();
    await enablePush('en', VAPID, 'alice');
    fetchMock.mockClear();
    await syncPush('sv', 'alice');
    const post = fetchMock.mock.calls.find(([, init]) => init?.method === 'POST')!;
    expect(JSON.parse(String(post[1]!.body))).toMatchObject({ endpoint: 'https://push.example/send/abc', language: 'sv' });
  });

  it("drops someone else's subscription at sign-in instead of taking it over", async () => {
    fakeCaches();
    const { fetchMock, current } = browser();
    await enablePush('en', VAPID, 'alice');
    fetchMock.mockClear();
    await syncPush('en', 'bob');
    expect(current()!.unsubscribe).toHaveBeenCalled();
    expect(fetchMock.mock.calls.filter(([, init]) => init?.method === 'POST')).toHaveLength(0);
  });
});
