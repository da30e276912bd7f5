/** Messages from the service worker to this window (see WorkerMessage in push-message.ts). */
import type { WorkerMessage } from './push-message';

export function onWorkerMessage(handler: (message: WorkerMessage) => void): () => void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return () => {};
  const container = navigator.serviceWorker;
  const listener = (event: MessageEvent) => {
    const data = event.data as Partial<WorkerMessage> | null;
    if (data && typeof data === 'object' && typeof data.type === 'string') handler(data as WorkerMessage);
  };
  container.addEventListener('message', listener);
  // Messages wait in a queue until a page says it listens (or its document has loaded).
  container.startMessages();
  return () => container.removeEventListener('message', listener);
}
