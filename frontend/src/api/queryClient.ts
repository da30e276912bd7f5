/**
 * The app's one QueryClient and its defaults (issue #15): API answers are fresh for 30 s, a
 * refusal (4xx) is never retried (asking again gets the same answer; a banned account's 403
 * even less so), a network failure or a 5xx twice with back-off; stale reads are read again
 * when the tab is shown again or the browser comes back online, but not while the account is
 * banned (every answer would be 403: AccountStatus asks for the ban alone, and a lifted ban
 * reads everything again).
 */
import { focusManager, QueryClient, type QueryClientConfig, type QueryKey } from '@tanstack/react-query';
import { ApiError } from './http';

export const STALE_MS = 30_000;
const MAX_RETRIES = 2;

export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof DOMException && error.name === 'AbortError') return false;
  if (error instanceof ApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < MAX_RETRIES;
}

const banned = new WeakMap<QueryClient, boolean>();

/** The account is banned (or no longer): no refetch on focus or reconnect meanwhile, and socket
 * frames only mark what they change as stale. */
export function setAccountBanned(client: QueryClient, value: boolean): void {
  banned.set(client, value);
}

export function isAccountBanned(client: QueryClient): boolean {
  return banned.get(client) ?? false;
}

// The page's `visibilitychange` is fired at the document (and bubbles to the window, where
// TanStack listens by default): listen where it is fired, as the app's other listeners do.
function listenToVisibility() {
  focusManager.setEventListener((handleFocus) => {
    if (typeof document === 'undefined') return undefined;
    const listener = () => handleFocus();
    document.addEventListener('visibilitychange', listener, false);
    return () => document.removeEventListener('visibilitychange', listener);
  });
}

export function createQueryClient(config: QueryClientConfig = {}): QueryClient {
  listenToVisibility();
  const client: QueryClient = new QueryClient({
    ...config,
    defaultOptions: {
      ...config.defaultOptions,
      queries: {
        staleTime: STALE_MS,
        retry: shouldRetry,
        // A request goes whatever navigator.onLine says, and fails as it did before the
        // cache: the pages show "could not be reached", never a silent pause.
        networkMode: 'always',
        refetchOnWindowFocus: () => !isAccountBanned(client),
        refetchOnReconnect: () => !isAccountBanned(client),
        ...config.defaultOptions?.queries,
      },
      mutations: { networkMode: 'always', retry: false, ...config.defaultOptions?.mutations },
    },
  });
  return client;
}

/**
 * What a socket frame changed: read again where it is shown (active queries; the rest are
 * marked stale), reusing a read already on its way (several sockets may tell of one change).
 * While banned, only marked stale: the lifted ban reads everything again.
 */
export function invalidateLive(client: QueryClient, keys: readonly QueryKey[]): void {
  const refetchType = isAccountBanned(client) ? 'none' : 'active';
  for (const queryKey of keys) void client.invalidateQueries({ queryKey, refetchType }, { cancelRefetch: false });
}
