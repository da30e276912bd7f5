/**
 * CrewUp's service worker (built by vite-plugin-pwa's injectManifest into /sw.js, scope /):
 * - precaches the app shell (index.html, scripts, styles, icons and the offline basemap) and
 *   answers the app's navigations with the cached index.html, so it opens offline;
 * - never caches the API: nothing personal is stored here (only /config.json, the public
 *   runtime configuration, is kept as the last copy seen, for opening offline);
 * - shows push notifications; a safety alert stays on screen, vibrates, and can be answered
 *   ("Seen", "On my way") from the lock screen with the single-use token in the message;
 * - wakes the page's alert queue on background sync, and keeps push working when the
 *   browser changes the subscription.
 */
import { clientsClaim } from 'workbox-core';
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import {
  ACK_ACTIONS,
  ALERT_QUEUE_SYNC_TAG,
  ackFailedNotification,
  base64UrlToBytes,
  notificationFor,
  parsePushMessage,
  readNotificationData,
  sendAcknowledgement,
  type AckAction,
  type WorkerMessage,
} from './pwa/push-message';
import { loadWorkerSettings } from './pwa/settings';

declare let self: ServiceWorkerGlobalScope;

// Background Sync is not in TypeScript's worker types yet.
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}
declare global {
  interface ServiceWorkerGlobalScopeEventMap {
    sync: SyncEvent;
  }
}

// --- the app shell --------------------------------------------------------------------------

// registerType 'autoUpdate': a new version takes over at once (the page reloads into it).
void self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute(self.__WB_MANIFEST);

// Every navigation in the app is a client-side route: the cached index.html. Not the paths that
// other services own on this origin (the API, sockets, the moderator console), nor files.
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    // In development only the entry point (the plugin's docs): the dev server serves the rest.
    allowlist: import.meta.env.DEV ? [/^\/$/] : undefined,
    denylist: [/^\/api\//, /^\/ws\//, /^\/admin(\/|$)/, /^\/healthz$/, /\/[^/?]+\.[^/]+$/],
  }),
);

// The runtime configuration: from the network while online (a new deployment's settings win at
// once), the last copy when offline, so that the app shell starts without a connection. A first
// copy is taken at install: the page that installed the worker fetched it before it was there.
const CONFIG_CACHE = 'crewup-config';
registerRoute(
  ({ url, request }) => url.origin === self.location.origin && url.pathname === '/config.json' && request.method === 'GET',
  new NetworkFirst({ cacheName: CONFIG_CACHE, networkTimeoutSeconds: 5 }),
);
self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CONFIG_CACHE)
      .then((cache) => cache.add(new Request('/config.json', { cache: 'no-store' })))
      .catch(() => undefined),
  );
});

// --- talking to the app's windows ------------------------------------------------------------

async function appWindows(): Promise<WindowClient[]> {
  const all = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  return all.filter((client) => new URL(client.url).origin === self.location.origin);
}

async function tellWindows(message: WorkerMessage): Promise<number> {
  const windows = await appWindows();
  for (const client of windows) client.postMessage(message);
  return windows.length;
}

/** Bring the app forward at `path`: an open window navigates there, else a new one opens. */
async function openApp(path: string): Promise<void> {
  const target = new URL(path, self.location.origin).toString();
  const windows = await appWindows();
  const client = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === 'visible') ?? windows[0];
  if (client) {
    const focused = await client.focus().catch(() => client);
    // The app routes it itself (src/pwa/register.ts): no reload, its sockets stay open.
    focused.postMessage({ type: 'navigate', url: path } satisfies WorkerMessage);
    return;
  }
  await self.clients.openWindow(target);
}

// --- push -----------------------------------------------------------------------------------

function readPushJson(event: PushEvent): unknown {
  try {
    return event.data?.json() ?? null;
  } catch {
    return null;
  }
}

self.addEventListener('push', (event) => {
  const message = parsePushMessage(readPushJson(event));
  event.waitUntil(
    (async () => {
      const { language } = await loadWorkerSettings(self.navigator.language);
      const { title, options } = notificationFor(message, language);
      await self.registration.showNotification(title, options as NotificationOptions);
    })(),
  );
});

function isAckAction(action: string): action is AckAction {
  return (ACK_ACTIONS as readonly string[]).includes(action);
}

self.addEventListener('notificationclick', (event) => {
  const notification = event.notification;
  const data = readNotificationData(notification.data);
  if (data.ack && isAckAction(event.action)) {
    const ack = data.ack;
    const kind = event.action;
    event.waitUntil(
      (async () => {
        const sent = await sendAcknowledgement(ack, kind, self.location.origin);
        notification.close();
        if (!sent) {
          const { language } = await loadWorkerSettings(self.navigator.language);
          const followUp = ackFailedNotification(data, language);
          await self.registration.showNotification(followUp.title, followUp.options as NotificationOptions);
        }
      })(),
    );
    return;
  }
  // A tap on the notification (or "Open CrewUp" on a follow-up).
  notification.close();
  event.waitUntil(openApp(data.url));
});

// --- background sync: the page's queue of alerts raised offline --------------------------------

self.addEventListener('sync', (event) => {
  if (event.tag !== ALERT_QUEUE_SYNC_TAG) return;
  event.waitUntil(
    (async () => {
      const told = await tellWindows({ type: 'flush-alert-queue' });
      // The queue lives in the page: with no window open, fail so that the browser tries again
      // later (on its last chance there is nothing more to do; the page flushes when it opens).
      if (told === 0 && !event.lastChance) throw new Error('No CrewUp window to send the queued alerts');
    })(),
  );
});

// --- the browser replaced (or dropped) the push subscription -----------------------------------

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const old = event.oldSubscription;
      if (!event.newSubscription) {
        const stored = (await loadWorkerSettings()).vapidKey;
        const key = old?.options.applicationServerKey ?? (stored ? base64UrlToBytes(stored) : null);
        // The worker holds no access token: the app's windows register the new subscription.
        if (key) {
          await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).catch(() => null);
        }
      }
      await tellWindows({ type: 'push-subscription-changed', oldEndpoint: old?.endpoint ?? null });
    })(),
  );
});
