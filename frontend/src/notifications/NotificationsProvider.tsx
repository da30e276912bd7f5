/**
 * My notifications, live: the first page from the API when I sign in, then the per-user socket
 * `/ws/me/` (the chat's protocol and authentication) brings new ones and my crew membership
 * changes. The list API is the source of truth: after a reconnect the first page is read again.
 * The pages are the query `notifications.list`; a frame's notification goes into it as it is.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useInfiniteQuery, useMutation, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import { useAccountStatus } from '../auth/AccountStatus';
import { useAuth } from '../auth/AuthProvider';
import { ApiError, USER_BANNED } from '../api/http';
import { keysForMembership, keysForNotification } from '../api/liveInvalidation';
import { invalidateLive } from '../api/queryClient';
import { queryKeys } from '../api/queryKeys';
import { notificationsApi, type AppNotification, type NotificationPage } from '../api/users';
import { ChatConnection, type ChatState } from '../chat/connection';
import { wsUrl } from '../config';
import { onWorkerMessage } from '../pwa/messages';
import { syncPush } from './push';

export type MembershipChangeKind = 'joined' | 'left' | 'request_approved' | 'request_rejected';

/** A `membership` frame: I joined or left a crew, or my request to join one was answered. */
export interface MembershipChange {
  groupId: string;
  change: MembershipChangeKind;
}

type MembershipListener = (change: MembershipChange) => void;
type NotificationListener = (notification: AppNotification) => void;

export interface NotificationsContextValue {
  items: AppNotification[];
  unreadCount: number;
  hasMore: boolean;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  /** The server has no notifications API (404): the bell says so instead of failing. */
  unavailable: boolean;
  /** The live socket's state. */
  live: ChatState;
  loadMore: () => void;
  markRead: (id: string) => void;
  markAllRead: () => Promise<void>;
  /** Listen to membership changes; returns the function that stops listening. */
  onMembership: (listener: MembershipListener) => () => void;
  /** Listen to the notifications the socket brings as they come; returns the function that
   * stops listening. */
  onNotification: (listener: NotificationListener) => () => void;
}

export const NotificationsContext = createContext<NotificationsContextValue | null>(null);

export interface NotificationsProviderProps {
  children: ReactNode;
  /** For tests: a fake WebSocket. */
  WebSocketImpl?: typeof WebSocket;
}

function merge(current: AppNotification[], incoming: AppNotification[]): AppNotification[] {
  const byId = new Map(current.map((n) => [n.id, n]));
  for (const n of incoming) byId.set(n.id, n);
  return [...byId.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
}

type NotificationPages = InfiniteData<NotificationPage, string | null>;
const LIST_KEY = queryKeys.notifications.list();

/** Every notification held changed by `update` (a read mark), whatever page it is on. */
function mapItems(data: NotificationPages | undefined, update: (n: AppNotification) => AppNotification): NotificationPages | undefined {
  return data && { ...data, pages: data.pages.map((page) => ({ ...page, results: page.results.map(update) })) };
}

function membershipFrom(frame: Record<string, unknown>): MembershipChange | null {
  const change = frame.change;
  if (typeof frame.group_id !== 'string') return null;
  if (change !== 'joined' && change !== 'left' && change !== 'request_approved' && change !== 'request_rejected') return null;
  return { groupId: frame.group_id, change };
}

export function NotificationsProvider({ children, WebSocketImpl }: NotificationsProviderProps) {
  const { user, getToken, manager } = useAuth();
  const { i18n } = useTranslation();
  const username = user?.username ?? null;
  const [unreadCount, setUnreadCount] = useState(0);
  const [live, setLive] = useState<ChatState>('closed');
  const listeners = useRef(new Set<MembershipListener>());
  const notificationListeners = useRef(new Set<NotificationListener>());
  const connection = useRef<ChatConnection | null>(null);
  const { recoveries, noticeBanned, checkNow } = useAccountStatus();
  const account = useRef({ noticeBanned, checkNow });
  account.current = { noticeBanned, checkNow };
  const queryClient = useQueryClient();

  // Not read again for the tab being shown: the socket brings what changes, and a reconnect
  // reads the first page again.
  const list = useInfiniteQuery({
    queryKey: LIST_KEY,
    queryFn: async ({ pageParam, signal }) => {
      const page = await notificationsApi.list(pageParam, signal);
      setUnreadCount(page.unread_count);
      return page;
    },
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next,
    enabled: username !== null,
    refetchOnWindowFocus: false,
  });
  const unavailable = list.error instanceof ApiError && list.error.isUnavailable;
  // In the order the pages list them (newest first), each once.
  const items = useMemo(() => [...new Map((list.data?.pages.flatMap((page) => page.results) ?? []).map((n) => [n.id, n])).values()], [list.data]);

  /** Back after a drop: the first page again (what came meanwhile is in it), the older ones
   * when asked for again; and my crews, whose membership frames may have gone by. */
  const loadFirstPage = useCallback(() => {
    queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) => data && { pages: data.pages.slice(0, 1), pageParams: data.pageParams.slice(0, 1) });
    invalidateLive(queryClient, [LIST_KEY, queryKeys.crews.lists()]);
  }, [queryClient]);

  // Nothing of the last person's count is kept (the cache is reset for the next one).
  useEffect(() => {
    setUnreadCount(0);
  }, [username]);

  // The live socket.
  useEffect(() => {
    if (!username || unavailable) return;
    let opened = false;
    const socket = new ChatConnection({
      url: wsUrl('ws/me/'),
      getToken,
      WebSocketImpl,
      backoff: [1000, 2000, 5000, 10000, 30000],
      onEvent: (event) => {
        if (event.type !== 'state') return;
        setLive(event.state);
        // Opened while banned, it is refused.
        if (event.state === 'removed' && event.reason === USER_BANNED) account.current.noticeBanned();
      },
      onFrame: (frame) => {
        switch (frame.type) {
          case 'ready':
            if (typeof frame.unread_count === 'number') setUnreadCount(frame.unread_count);
            // Back after a drop: what came meanwhile is in the list.
            if (opened) loadFirstPage();
            opened = true;
            break;
          case 'notification': {
            const notification = frame.notification as AppNotification | undefined;
            if (notification && typeof notification.id === 'string') {
              queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) =>
                data && { ...data, pages: data.pages.map((page, i) => (i === 0 ? { ...page, results: merge(page.results, [notification]) } : page)) },
              );
              for (const listener of [...notificationListeners.current]) listener(notification);
              // What it tells of changed: read it again where it is shown.
              invalidateLive(queryClient, keysForNotification(notification.kind, notification.payload ?? {}));
              // A ban leaves this socket open: it tells of the ban, and of its end at once.
              if (notification.kind === 'account.banned') account.current.noticeBanned();
              if (notification.kind === 'account.unbanned') account.current.checkNow();
            }
            if (typeof frame.unread_count === 'number') setUnreadCount(frame.unread_count);
            break;
          }
          case 'unread':
            // Read on another device or tab.
            if (typeof frame.unread_count === 'number') setUnreadCount(frame.unread_count);
            break;
          case 'membership': {
            const change = membershipFrom(frame);
            if (change) invalidateLive(queryClient, keysForMembership(change.groupId));
            if (change) for (const listener of [...listeners.current]) listener(change);
            break;
          }
          default:
            break;
        }
      },
    });
    connection.current = socket;
    socket.connect();
    const backOnline = () => socket.retryNow();
    const wentOffline = () => socket.goOffline();
    window.addEventListener('online', backOnline);
    window.addEventListener('offline', wentOffline);
    return () => {
      window.removeEventListener('online', backOnline);
      window.removeEventListener('offline', wentOffline);
      socket.close();
      connection.current = null;
      setLive('closed');
    };
  }, [username, unavailable, getToken, loadFirstPage, WebSocketImpl, queryClient]);

  // The ban is lifted: the socket opens again if it was refused for it (the list is read again
  // with every query: AccountStatus).
  useEffect(() => {
    if (recoveries === 0) return;
    connection.current?.reopenAfter(USER_BANNED);
  }, [recoveries]);

  // A renewed token re-authenticates the open socket, so it is not closed at the old expiry.
  useEffect(() => {
    if (!manager) return;
    const renewed = (u: { access_token: string }) => connection.current?.reauthenticate(u.access_token);
    manager.events.addUserLoaded(renewed);
    return () => manager.events.removeUserLoaded(renewed);
  }, [manager]);

  // Push on this device follows me: the server gets the current subscription and language at
  // sign-in, when the language changes, and when the browser replaced the subscription.
  const language = i18n.resolvedLanguage ?? i18n.language;
  useEffect(() => {
    if (!username) return;
    void syncPush(language, username).catch(() => undefined);
    return onWorkerMessage((message) => {
      if (message.type === 'push-subscription-changed') void syncPush(language, username, message.oldEndpoint).catch(() => undefined);
    });
  }, [username, language]);

  // The unread count on the installed app's icon, where the system shows one.
  useEffect(() => {
    if (typeof navigator === 'undefined' || !('setAppBadge' in navigator)) return;
    const badge = unreadCount > 0 ? navigator.setAppBadge(unreadCount) : navigator.clearAppBadge();
    void badge.catch(() => undefined);
  }, [unreadCount]);

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => {
    if (!hasNextPage || isFetchingNextPage) return;
    void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Read at once here; the server's time when it answers, unread again if it refuses.
  const read = useMutation({
    mutationFn: (id: string) => notificationsApi.markRead(id),
    onMutate: (id) => {
      const readAt = new Date().toISOString();
      queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) => mapItems(data, (n) => (n.id === id ? { ...n, read_at: readAt } : n)));
      setUnreadCount((count) => Math.max(0, count - 1));
      return { readAt };
    },
    onSuccess: (saved, id, context) =>
      queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) => mapItems(data, (n) => (n.id === id ? { ...n, read_at: saved.read_at ?? context.readAt } : n))),
    onError: (_error, id) => {
      queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) => mapItems(data, (n) => (n.id === id ? { ...n, read_at: null } : n)));
      setUnreadCount((count) => count + 1);
    },
  });
  const { mutate: readOne } = read;
  const markRead = useCallback(
    (id: string) => {
      const target = items.find((n) => n.id === id);
      if (!target || target.read_at) return;
      readOne(id);
    },
    [items, readOne],
  );

  const readAll = useMutation({
    mutationFn: () => notificationsApi.markAllRead(),
    onSuccess: (result) => {
      const readAt = new Date().toISOString();
      queryClient.setQueryData<NotificationPages>(LIST_KEY, (data) => mapItems(data, (n) => (n.read_at ? n : { ...n, read_at: readAt })));
      setUnreadCount(result.unread_count);
    },
  });
  const { mutateAsync: readEverything } = readAll;
  const markAllRead = useCallback(async () => {
    await readEverything();
  }, [readEverything]);

  const hasMore = hasNextPage;
  const loading = list.isFetching && !isFetchingNextPage;
  const loadingMore = isFetchingNextPage;
  const error = unavailable ? null : list.error;

  const onMembership = useCallback((listener: MembershipListener) => {
    listeners.current.add(listener);
    return () => {
      listeners.current.delete(listener);
    };
  }, []);

  const onNotification = useCallback((listener: NotificationListener) => {
    notificationListeners.current.add(listener);
    return () => {
      notificationListeners.current.delete(listener);
    };
  }, []);

  const value = useMemo<NotificationsContextValue>(
    () => ({ items, unreadCount, hasMore, loading, loadingMore, error, unavailable, live, loadMore, markRead, markAllRead, onMembership, onNotification }),
    [items, unreadCount, hasMore, loading, loadingMore, error, unavailable, live, loadMore, markRead, markAllRead, onMembership, onNotification],
  );
  return <NotificationsContext.Provider value={value}>{children}</NotificationsContext.Provider>;
}

export function useNotifications(): NotificationsContextValue {
  const value = useContext(NotificationsContext);
  if (!value) throw new Error('useNotifications outside NotificationsProvider');
  return value;
}

/**
 * Call `callback` when my crew membership changes (a join request approved, removed from a
 * crew…), so a page can show it without a reload. Outside the provider (tests rendering a page
 * alone) it does nothing.
 */
export function useMembershipChanges(callback: (change: MembershipChange) => void): void {
  const onMembership = useContext(NotificationsContext)?.onMembership;
  const latest = useRef(callback);
  useEffect(() => {
    latest.current = callback;
  });
  useEffect(() => {
    if (!onMembership) return;
    return onMembership((change) => latest.current(change));
  }, [onMembership]);
}

/**
 * Call `callback` with each notification the live socket brings (not those read from the list),
 * e.g. for the safety alerts to check that they missed nothing. Outside the provider it does
 * nothing.
 */
export function useLiveNotifications(callback: (notification: AppNotification) => void): void {
  const onNotification = useContext(NotificationsContext)?.onNotification;
  const latest = useRef(callback);
  useEffect(() => {
    latest.current = callback;
  });
  useEffect(() => {
    if (!onNotification) return;
    return onNotification((notification) => latest.current(notification));
  }, [onNotification]);
}
