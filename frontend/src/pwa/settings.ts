/**
 * What the service worker needs to know when no page is open: the UI language (for the action
 * buttons and follow-ups it writes itself) and the VAPID key it subscribed with (to subscribe
 * again on `pushsubscriptionchange`); and for the pages, whose push this device's subscription
 * is (the username that switched it on). One small JSON file in the Cache API, which pages and
 * the worker both reach.
 */
import { workerLanguage, type Language } from './push-message';

export interface WorkerSettings {
  language: Language;
  vapidKey: string | null;
  /** The username that switched push on here; null before anyone did. */
  owner: string | null;
}

const CACHE = 'crewup-settings-v1';
const KEY = '/__crewup/worker-settings.json';

function cacheStorage(): CacheStorage | null {
  return typeof caches === 'undefined' ? null : caches;
}

export async function loadWorkerSettings(fallbackLanguage = 'en'): Promise<WorkerSettings> {
  const fallback: WorkerSettings = { language: workerLanguage(fallbackLanguage), vapidKey: null, owner: null };
  const storage = cacheStorage();
  if (!storage) return fallback;
  try {
    const response = await (await storage.open(CACHE)).match(KEY);
    if (!response) return fallback;
    const value = (await response.json()) as Partial<WorkerSettings>;
    return {
      language: workerLanguage(value.language ?? fallback.language),
      vapidKey: typeof value.vapidKey === 'string' ? value.vapidKey : null,
      owner: typeof value.owner === 'string' ? value.owner : null,
    };
  } catch {
    return fallback;
  }
}

export async function saveWorkerSettings(change: Partial<WorkerSettings>): Promise<void> {
  const storage = cacheStorage();
  if (!storage) return;
  try {
    const next = { ...(await loadWorkerSettings()), ...change };
    const cache = await storage.open(CACHE);
    await cache.put(KEY, new Response(JSON.stringify(next), { headers: { 'Content-Type': 'application/json' } }));
  } catch {
    // private mode or storage full: the worker falls back to its browser's language
  }
}
