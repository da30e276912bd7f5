/**
 * What a frame of my own socket (`/ws/me/`) changed, as the query keys to read again: the list,
 * the detail and the crew page then show the same thing without a reload (issue #15). The
 * notifications themselves and the safety alerts are taken in from the frames as they are
 * (NotificationsProvider, SafetyProvider); this is for the rest of what is cached.
 */
import type { QueryKey } from '@tanstack/react-query';
import { queryKeys } from './queryKeys';

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : null);

/** A `notification`'s kind and payload (shared/shared/notifications/kinds.py). */
export function keysForNotification(kind: string, payload: Record<string, unknown>): QueryKey[] {
  const groupId = text(payload.group_id);
  const eventId = text(payload.event_id);
  switch (kind) {
    case 'crew.join_requested':
      return groupId ? [queryKeys.crews.joinRequests(groupId)] : [queryKeys.crews.all];
    case 'crew.join_approved':
    case 'crew.join_rejected':
      return [queryKeys.crews.all];
    case 'crew.invite_used':
      // One more member, and the invite's count.
      return groupId ? [queryKeys.crews.detail(groupId), queryKeys.crews.lists()] : [queryKeys.crews.all];
    case 'event.waitlist_promoted':
    case 'event.changed':
    case 'event.cancelled':
      // The event where it is shown, and the crews that show its title and time.
      return [eventId ? queryKeys.events.detail(eventId) : queryKeys.events.all, queryKeys.events.lists(), queryKeys.crews.all];
    case 'safety.check_in_missed':
      return [queryKeys.safety.checkIns()];
    default:
      return [];
  }
}

/** A `membership` frame: I joined or left a crew, or my request to join one was answered. */
export function keysForMembership(groupId: string): QueryKey[] {
  return [queryKeys.crews.lists(), queryKeys.crews.detail(groupId)];
}
