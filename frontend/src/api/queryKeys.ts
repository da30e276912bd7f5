/**
 * Every cached API read's key, in one place, so that a change invalidates by prefix: `events.all`
 * is every event list and detail, `crews.detail(id)` a crew with its members, join requests and
 * invites. Keys hold only ids and query parameters; whose data it is is the cache's own
 * business (it is reset when another person signs in: see AppQueryProvider).
 */
import type { EventQuery } from './events';

export const queryKeys = {
  events: {
    all: ['events'] as const,
    lists: () => ['events', 'list'] as const,
    list: (query: EventQuery) => ['events', 'list', query] as const,
    detail: (id: string) => ['events', 'detail', id] as const,
    participants: (id: string) => ['events', 'detail', id, 'participants'] as const,
  },
  crews: {
    all: ['crews'] as const,
    lists: () => ['crews', 'list'] as const,
    mine: () => ['crews', 'list', { mine: true }] as const,
    forEvent: (eventId: string) => ['crews', 'list', { event_id: eventId }] as const,
    detail: (id: string) => ['crews', 'detail', id] as const,
    members: (id: string) => ['crews', 'detail', id, 'members'] as const,
    joinRequests: (id: string) => ['crews', 'detail', id, 'join-requests'] as const,
    invites: (id: string) => ['crews', 'detail', id, 'invites'] as const,
  },
  notifications: {
    all: ['notifications'] as const,
    list: () => ['notifications', 'list'] as const,
    preferences: () => ['notifications', 'preferences'] as const,
    /** The server's VAPID key (push switched on there, or not). */
    pushConfig: () => ['notifications', 'push-config'] as const,
  },
  safety: {
    all: ['safety'] as const,
    checkIns: () => ['safety', 'check-ins'] as const,
    alert: (id: string) => ['safety', 'alerts', id] as const,
  },
  profile: {
    me: () => ['profile', 'me'] as const,
  },
  account: {
    /** Whether a ban still holds (`users/me/` asked while banned): not profile data. */
    banCheck: () => ['account', 'ban-check'] as const,
  },
};
