/**
 * Push on this device: feature detection, switching it on (the permission prompt comes only
 * from the person's click) and off, and keeping the server's copy of the subscription current.
 * The service worker (src/sw.ts) shows what arrives.
 */
import { ApiError } from '../api/http';
import { notificationsApi, type PushSubscriptionInput } from '../api/users';
import { base64UrlToBytes, sameKey, workerLanguage } from '../pwa/push-message';
import { loadWorkerSettings, saveWorkerSettings } from '../pwa/settings';

export type PushProblem = 'unsupported' | 'denied' | 'server-off' | 'no-worker';

export class PushError extends Error {
  readonly problem: PushProblem;

  constructor(problem: PushProblem) {
    super(`push: ${problem}`);
    this.name = 'PushError';
    this.problem = problem;
  }
}

/** Whether this browser can take push at all: a secure page, service workers, the Push API
 * and notifications (iOS has them only in an app added to the home screen). */
export function pushSupported(): boolean {
  return (
    globalThis.isSecureContext === true &&
    typeof navigator !== 'undefined' &&
    'serviceWorker' in navigator &&
    'PushManager' in globalThis &&
    'Notification' in globalThis
  );
}

/** The notification permission, without asking for it. */
export function pushPermission(): NotificationPermission | 'unsupported' {
  return pushSupported() ? Notification.permission : 'unsupported';
}

const READY_TIMEOUT_MS = 10_000;

/** The active registration, waiting a while for one being installed (never forever: the dev
 * server runs without a worker and `serviceWorker.ready` would not settle). */
async function activeRegistration(): Promise<ServiceWorkerRegistration | null> {
  const existing = await navigator.serviceWorker.getRegistration();
  if (existing?.active) return existing;
  if (!existing) return null;
  return Promise.race([
    navigator.serviceWorker.ready,
    new Promise<null>((resolve) => setTimeout(() => resolve(null), READY_TIMEOUT_MS)),
  ]);
}

export async function currentPushSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

function subscriptionInput(subscription: PushSubscription, language: string): PushSubscriptionInput {
  const json = subscription.toJSON();
  return {
    endpoint: subscription.endpoint,
    expirationTime: json.expirationTime ?? null,
    keys: { p256dh: json.keys?.p256dh ?? '', auth: json.keys?.auth ?? '' },
    language: workerLanguage(language),
  };
}

/**
 * Switch push on for this device: ask for permission (call it straight from the click), then
 * subscribe with the server's VAPID key and register the subscription, with the UI language.
 * `vapidKey` is the one push-config gave (fetched again when undefined; null: push is off);
 * `owner` the signed-in username (see syncPush).
 */
export async function enablePush(language: string, vapidKey: string | null | undefined, owner: string): Promise<PushSubscription> {
  if (!pushSupported()) throw new PushError('unsupported');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new PushError('denied');
  const key = vapidKey === undefined ? (await notificationsApi.pushConfig()).vapid_public_key : vapidKey;
  if (!key) throw new PushError('server-off');
  const registration = await activeRegistration();
  if (!registration) throw new PushError('no-worker');
  const bytes = base64UrlToBytes(key);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, bytes)) {
    // The server has a new key: a subscription made with the old one cannot receive.
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
  await saveWorkerSettings({ language: workerLanguage(language), vapidKey: key, owner });
  try {
    await notificationsApi.addPushSubscription(subscriptionInput(subscription, language));
  } catch (error) {
    // The server does not know it: do not leave a subscription here that nothing sends to.
    await subscription.unsubscribe().catch(() => false);
    throw error;
  }
  return subscription;
}

/** Switch push off for this device: unsubscribe here, and tell the server to forget it. */
export async function disablePush(): Promise<void> {
  const subscription = await currentPushSubscription();
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe();
  try {
    await notificationsApi.removePushSubscription(endpoint);
  } catch (error) {
    // Unsubscribed here, the endpoint is dead: the server drops it at its next send (410).
    if (!(error instanceof ApiError)) throw error;
  }
}

/**
 * Tell the server this device's current subscription (at sign-in, after the browser replaced
 * it, or when the language changed); forget `oldEndpoint` if the browser dropped that one. Does
 * nothing when push is not on here. The server takes the same subscription again as an update.
 *
 * A subscription someone else switched on (they did not sign out, and `owner` signs in) is
 * dropped instead: their alerts must not reach the next person, nor this one's go to theirs.
 */
export async function syncPush(language: string, owner: string, oldEndpoint: string | null = null): Promise<void> {
  if (pushPermission() !== 'granted') return;
  const subscription = await currentPushSubscription();
  const settings = await loadWorkerSettings();
  if (subscription && settings.owner !== null && settings.owner !== owner) {
    await subscription.unsubscribe();
    await saveWorkerSettings({ owner: null });
    return;
  }
  await saveWorkerSettings({ language: workerLanguage(language), owner: subscription ? owner : settings.owner });
  if (oldEndpoint && oldEndpoint !== subscription?.endpoint) {
    await notificationsApi.removePushSubscription(oldEndpoint).catch(() => undefined);
  }
  if (subscription) await notificationsApi.addPushSubscription(subscriptionInput(subscription, language));
}
