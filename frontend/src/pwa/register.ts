import { registerSW } from 'virtual:pwa-register';

/** Register /sw.js (built from src/sw.ts). A new version activates at once and the page
 * reloads into it (registerType 'autoUpdate'), so no page runs against a newer cache. */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  registerSW({
    immediate: true,
    onRegisterError: (error: unknown) => console.warn('CrewUp: the service worker did not register', error),
  });
}
