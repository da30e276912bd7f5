/**
 * What a push message holds and the notification the service worker shows for it. Shared by
 * the worker (src/sw.ts) and its tests: nothing here touches the DOM or the worker's globals.
 *
 * The message (JSON, from the user service's notifier):
 *   {id, kind, title, body, url, tag, urgent, ack?: {url, token}}
 * `title`/`body` are already in the user's language; `ack` comes only with
 * `safety.alert_raised`, for answering from the lock screen without signing in.
 */
import en from '../i18n/en';
import sv from '../i18n/sv';

export interface PushAck {
  /** `/api/v1/safety/alerts/<alert_id>/token-acknowledgements/` */
  url: string;
  /** Single use: the credential, instead of an Authorization header. */
  token: string;
}

export interface PushMessage {
  id: string;
  kind: string;
  title: string;
  body: string;
  /** The app path to open. */
  url: string;
  tag: string;
  urgent: boolean;
  ack: PushAck | null;
}

/** What a shown notification carries in `data`, for `notificationclick`. */
export interface NotificationData {
  id: string;
  kind: string;
  url: string;
  ack: PushAck | null;
}

export type AckAction = 'seen' | 'on_my_way';
export const ACK_ACTIONS: readonly AckAction[] = ['seen', 'on_my_way'];
export const OPEN_ACTION = 'open';

/** The tag the page's alert queue (src/safety/queue.ts) registers for background sync. */
export const ALERT_QUEUE_SYNC_TAG = 'crewup-alert-queue';

/** Messages the worker posts to the app's windows. */
export type WorkerMessage =
  | { type: 'flush-alert-queue' }
  | { type: 'push-subscription-changed'; oldEndpoint: string | null }
  | { type: 'navigate'; url: string };

export type Language = 'en' | 'sv';
export const WORKER_TEXTS = { en, sv } as const;

export function workerLanguage(value: unknown): Language {
  return typeof value === 'string' && value.toLowerCase().startsWith('sv') ? 'sv' : 'en';
}

const VIBRATE_URGENT = [500, 200, 500, 200, 900];
const ICON = '/icons/icon-192.png';

/** Options a worker's `showNotification` takes, beyond what TypeScript's DOM types list. */
export interface ShownNotificationOptions {
  body: string;
  tag: string;
  data: NotificationData;
  icon: string;
  lang: Language;
  requireInteraction: boolean;
  renotify: boolean;
  silent: boolean;
  vibrate?: number[];
  actions?: { action: string; title: string }[];
}

/** A path in this app, or `/` (a push message never sends anyone to another site). */
export function appPath(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  return value;
}

function parseAck(value: unknown): PushAck | null {
  if (typeof value !== 'object' || value === null) return null;
  const { url, token } = value as Record<string, unknown>;
  // Only our own safety API gets a token: never a URL from elsewhere.
  if (typeof url !== 'string' || typeof token !== 'string' || !token || !/^\/api\/v1\/safety\//.test(url)) return null;
  return { url, token };
}

/** The message from a push event's JSON; null when it is not one of ours. */
export function parsePushMessage(raw: unknown): PushMessage | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const value = raw as Record<string, unknown>;
  const title = typeof value.title === 'string' ? value.title : '';
  if (!title) return null;
  const id = typeof value.id === 'string' ? value.id : '';
  const kind = typeof value.kind === 'string' ? value.kind : '';
  return {
    id,
    kind,
    title,
    body: typeof value.body === 'string' ? value.body : '',
    url: appPath(value.url),
    tag: typeof value.tag === 'string' && value.tag ? value.tag : id || kind || 'crewup',
    urgent: value.urgent === true,
    ack: kind === 'safety.alert_raised' ? parseAck(value.ack) : null,
  };
}

/** The title and options of the notification for a push message (null: an unreadable one). */
export function notificationFor(message: PushMessage | null, language: Language): { title: string; options: ShownNotificationOptions } {
  const texts = WORKER_TEXTS[language];
  if (!message) {
    // A push must always show something (userVisibleOnly): say there is news, open the app.
    return {
      title: 'CrewUp',
      options: {
        body: texts.notifications.worker.fallbackBody,
        tag: 'crewup',
        data: { id: '', kind: '', url: '/', ack: null },
        icon: ICON,
        lang: language,
        requireInteraction: false,
        renotify: false,
        silent: false,
      },
    };
  }
  const options: ShownNotificationOptions = {
    body: message.body,
    tag: message.tag,
    data: { id: message.id, kind: message.kind, url: message.url, ack: message.ack },
    icon: ICON,
    lang: language,
    // A call for help stays on screen until it is answered, and buzzes again if updated.
    requireInteraction: message.urgent,
    renotify: message.urgent,
    silent: false,
  };
  if (message.urgent) options.vibrate = VIBRATE_URGENT;
  if (message.ack) {
    options.actions = [
      { action: 'seen', title: texts.safety.acks.seen },
      { action: 'on_my_way', title: texts.safety.acks.on_my_way },
    ];
  }
  return { title: message.title, options };
}

/** The follow-up when an answer from the notification could not be sent: open the app instead. */
export function ackFailedNotification(data: NotificationData, language: Language): { title: string; options: ShownNotificationOptions } {
  const texts = WORKER_TEXTS[language].notifications.worker;
  return {
    title: texts.ackFailedTitle,
    options: {
      body: texts.ackFailedBody,
      tag: `${data.id || 'alert'}-ack-failed`,
      data: { ...data, ack: null },
      icon: ICON,
      lang: language,
      requireInteraction: true,
      renotify: true,
      silent: false,
      vibrate: VIBRATE_URGENT,
      actions: [{ action: OPEN_ACTION, title: texts.openApp }],
    },
  };
}

/** A shown notification's `data`, defensively (it may come from an older worker). */
export function readNotificationData(value: unknown): NotificationData {
  const data = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    id: typeof data.id === 'string' ? data.id : '',
    kind: typeof data.kind === 'string' ? data.kind : '',
    url: appPath(data.url),
    ack: parseAck(data.ack),
  };
}

/**
 * Answer an alert from its notification: POST `{token, kind}` to the acknowledgement URL with
 * no Authorization header (the single-use token is the credential). True when it was taken.
 */
export async function sendAcknowledgement(ack: PushAck, kind: AckAction, origin: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  const url = new URL(ack.url, origin);
  if (url.origin !== origin) return false;
  try {
    const response = await fetchImpl(url.toString(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token: ack.token, kind }),
      credentials: 'omit',
      cache: 'no-store',
    });
    return response.ok;
  } catch {
    return false;
  }
}

/** A VAPID key (base64url) as the bytes `pushManager.subscribe` takes. */
export function base64UrlToBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(value.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Whether two keys (bytes, or a subscription's ArrayBuffer) are the same. */
export function sameKey(a: ArrayBuffer | Uint8Array | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const left = a instanceof Uint8Array ? a : new Uint8Array(a);
  return left.length === b.length && left.every((byte, i) => byte === b[i]);
}
