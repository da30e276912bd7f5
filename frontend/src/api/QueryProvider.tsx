import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { useAuth } from '../auth/AuthProvider';

/** The cache for whoever is signed in: another person (or signing in or out) starts it afresh,
 * so nothing read for the last one is shown, and what is on screen is read again. */
export function AppQueryProvider({ client, children }: { client: QueryClient; children: ReactNode }) {
  const { user } = useAuth();
  const username = user?.username ?? null;
  const previous = useRef(username);
  useEffect(() => {
    if (previous.current === username) return;
    previous.current = username;
    void client.resetQueries();
  }, [client, username]);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
