import { registerSW } from 'virtual:pwa-register';
import { markUpdated } from './update';

/** Register /sw.js (built from src/sw.ts). A new version activates at once (registerType
 * 'autoUpdate'); this page moves to it at its next navigation (see update.ts). */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  registerSW({
    immediate: true,
    onNeedReload: markUpdated,
    onRegisterError: (error: unknown) => console.warn('CrewUp: the service worker did not register', error),
  });
}
