/**
 * Whether my account is banned, and the moment a ban is found lifted.
 *
 * A ban shows where it bites: the API refuses every request with 403 `user_banned`, the crew
 * sockets close with 4403 `user_banned`, and my own socket (`/ws/me/`, which a ban leaves open)
 * brings an `account.banned` notification. What is live stops then, and nothing would tell the
 * page that the ban is over: a banned account's sockets are refused, so none is left to say so,
 * and the `account.unbanned` notification comes only if my own socket happened to stay open.
 * So while banned, `GET users/me/` is read every BAN_RECHECK_MS (and at once when the tab is
 * shown again, the browser is back online, or that notification comes); the first one the API
 * answers ends the ban here and counts a recovery, on which everything that stopped starts
 * again: the chat's socket (catching up from the last message shown, with who is online now),
 * the crews' sockets, my own socket and the safety catch-up.
 *
 * Reading the API rather than retrying every socket with back-off: one request per interval
 * for the whole app, not a handshake per socket (one per crew, the chat page's, my own); it
 * sees a lift however it came (the moderation API, the console, a ban running out), and on a
 * page opened while banned, which has no socket to retry; and the server needs no change.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { onAccountBanned } from '../api/http';
import { setAccountBanned } from '../api/queryClient';
import { queryKeys } from '../api/queryKeys';
import { usersApi } from '../api/users';
import { useAuth } from './AuthProvider';

/** How often a banned account asks whether it still is: three requests a minute, only while
 * banned and shown. */
export const BAN_RECHECK_MS = 20_000;

export interface AccountStatus {
  /** The API or a socket refused me for a ban, and no answer since says it is over. */
  banned: boolean;
  /** How many times a ban was found lifted: what stopped for it starts again when this grows. */
  recoveries: number;
  /** A socket was closed for the ban (the API's refusals are noticed without this). */
  noticeBanned: () => void;
  /** Ask now whether the ban is still on (the `account.unbanned` notification came). */
  checkNow: () => void;
}

const AccountStatusContext = createContext<AccountStatus | null>(null);

export function AccountStatusProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const username = user?.username ?? null;
  // Whose ban it is: another person signed in is not banned for it.
  const [bannedAs, setBannedAs] = useState<string | null>(null);
  const banned = username !== null && bannedAs === username;
  const [recoveries, setRecoveries] = useState(0);
  const queryClient = useQueryClient();

  // Banned, the cache reads nothing again by itself (on focus, on reconnect, for a socket's
  // frame); lifted, everything shown is read again (read during the ban, it was refused).
  useEffect(() => {
    setAccountBanned(queryClient, banned);
    return () => setAccountBanned(queryClient, false);
  }, [queryClient, banned]);
  useEffect(() => {
    if (recoveries > 0) void queryClient.invalidateQueries({ predicate: (query) => query.queryKey[0] !== queryKeys.account.banCheck()[0] });
  }, [queryClient, recoveries]);

  const noticeBanned = useCallback(() => {
    if (!username) return;
    // Just refused: the first ask is BAN_RECHECK_MS from now.
    if (!banned) queryClient.setQueryData(queryKeys.account.banCheck(), 'banned');
    setBannedAs(username);
  }, [username, banned, queryClient]);

  // Every request the API refuses for the ban says so.
  useEffect(() => onAccountBanned(noticeBanned), [noticeBanned]);

  // While banned: `users/me/` every BAN_RECHECK_MS while the tab is shown (hidden, it waits to
  // be shown again, which asks at once), and at once when the browser is back online. Any
  // answer at all means the ban is over; a refusal (or no network) that it may still hold.
  const check = useQuery({
    queryKey: queryKeys.account.banCheck(),
    queryFn: async (): Promise<'banned' | 'lifted'> => {
      try {
        await usersApi.me();
        return 'lifted';
      } catch {
        return 'banned';
      }
    },
    enabled: banned,
    initialData: 'banned',
    staleTime: BAN_RECHECK_MS,
    refetchInterval: BAN_RECHECK_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: 'always',
    refetchOnReconnect: 'always',
    retry: false,
  });
  const lifted = banned && check.data === 'lifted';
  useEffect(() => {
    if (!lifted) return;
    setBannedAs(null);
    setRecoveries((n) => n + 1);
  }, [lifted]);

  const checkNow = useCallback(() => {
    if (banned) void queryClient.refetchQueries({ queryKey: queryKeys.account.banCheck() });
  }, [banned, queryClient]);
  const value = useMemo(() => ({ banned, recoveries, noticeBanned, checkNow }), [banned, recoveries, noticeBanned, checkNow]);
  return <AccountStatusContext.Provider value={value}>{children}</AccountStatusContext.Provider>;
}

export function useAccountStatus(): AccountStatus {
  const value = useContext(AccountStatusContext);
  if (!value) throw new Error('useAccountStatus outside AccountStatusProvider');
  return value;
}
