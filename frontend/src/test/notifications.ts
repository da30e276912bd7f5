/** Test data: one notification of each kind, with the payload kinds.py describes. */
import type { AppNotification } from '../api/users';
import type { KnownKind } from '../notifications/text';

export const PAYLOADS: Record<KnownKind, Record<string, unknown>> = {
  'safety.alert_raised': {
    alert_id: 'a1',
    alert_type: 'lost',
    sender_id: 'u-bob',
    sender_name: 'Bob',
    message: 'Near the stage',
    group_ids: ['g1'],
    group_names: ['Front row'],
    has_location: true,
  },
  'safety.alert_acknowledged': { alert_id: 'a1', user_id: 'u-alice', user_name: 'Alice', acknowledgement: 'on_my_way' },
  'safety.alert_resolved': { alert_id: 'a1', sender_name: 'Bob', status: 'cancelled' },
  'safety.check_in_missed': { alert_id: 'a2', user_id: 'u-bob', user_name: 'Bob', due_at: '2026-12-05T21:00:00Z', group_id: 'g1', group_name: 'Front row' },
  'crew.join_requested': { group_id: 'g1', group_name: 'Front row', user_id: 'u-carl', user_name: 'Carl' },
  'crew.join_approved': { group_id: 'g1', group_name: 'Front row' },
  'crew.join_rejected': { group_id: 'g1', group_name: 'Front row' },
  'crew.invite_used': { group_id: 'g1', group_name: 'Front row', user_id: 'u-dana', user_name: 'Dana' },
  'event.waitlist_promoted': { event_id: 'e1', event_title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z' },
  'event.changed': { event_id: 'e1', event_title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z', changed: ['starts_at', 'venue_name'] },
  'event.cancelled': { event_id: 'e1', event_title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z' },
  'event.reminder': { event_id: 'e1', event_title: 'Jazz night', starts_at: '2026-12-06T19:00:00Z', venue_name: 'Kulturens hus', lead: '2h' },
  'account.banned': { until: null, reason: 'Spam' },
  'account.unbanned': {},
};

let serial = 0;

export function notification(kind: string, overrides: Partial<AppNotification> = {}): AppNotification {
  serial += 1;
  return {
    id: `n${serial}`,
    kind,
    payload: (PAYLOADS as Record<string, Record<string, unknown>>)[kind] ?? {},
    link: '/',
    title: `server title ${serial}`,
    body: `server body ${serial}`,
    created_at: new Date(Date.now() - serial * 60_000).toISOString(),
    read_at: null,
    ...overrides,
  };
}
