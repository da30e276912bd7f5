/**
 * A notification's words, in the UI language, from its kind and payload (the kinds and their
 * payloads: shared/shared/notifications/kinds.py). The server's own `title`/`body` (in the
 * language the user had when it was made) stand in for kinds this app does not know yet, and
 * for a payload that lacks what the words need.
 */
import type { TFunction } from 'i18next';
import type { AppNotification } from '../api/users';

export const KNOWN_KINDS = [
  'safety.alert_raised',
  'safety.alert_acknowledged',
  'safety.alert_resolved',
  'safety.check_in_missed',
  'crew.join_requested',
  'crew.join_approved',
  'crew.join_rejected',
  'crew.invite_used',
  'event.waitlist_promoted',
  'event.changed',
  'event.cancelled',
  'event.reminder',
  'account.banned',
  'account.unbanned',
] as const;
export type KnownKind = (typeof KNOWN_KINDS)[number];

export function isKnownKind(kind: string): kind is KnownKind {
  return (KNOWN_KINDS as readonly string[]).includes(kind);
}

/** Safety kinds reach everyone in the app and by push, always. */
export function isSafetyKind(kind: string): boolean {
  return kind.startsWith('safety.');
}

export interface NotificationText {
  title: string;
  body: string;
}

type Payload = Record<string, unknown>;
type T = TFunction<'translation'>;

const ALERT_TYPES = ['help', 'medical', 'harassment', 'lost', 'other', 'missed_check_in'] as const;
const ACKS = ['seen', 'on_my_way', 'with_them'] as const;
const FIELDS = ['title', 'starts_at', 'ends_at', 'venue_name', 'address', 'location', 'description', 'capacity', 'event_type', 'visibility'] as const;

function text(payload: Payload, key: string): string {
  const value = payload[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

function list(payload: Payload, key: string): string[] {
  const value = payload[key];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];
}

function includes<V extends string>(values: readonly V[], value: string): value is V {
  return (values as readonly string[]).includes(value);
}

export function formatWhen(iso: string, language: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The words of one known kind, or null when its payload lacks what they need. */
function render(kind: KnownKind, p: Payload, t: T, language: string): NotificationText | null {
  const name = text(p, 'sender_name') || text(p, 'user_name');
  const crew = text(p, 'group_name');
  const event = text(p, 'event_title');
  const time = formatWhen(text(p, 'starts_at'), language);
  switch (kind) {
    case 'safety.alert_raised': {
      if (!name) return null;
      const raw = text(p, 'alert_type');
      const type = includes(ALERT_TYPES, raw) ? t(`safety.types.${raw}`) : raw;
      const message = text(p, 'message');
      const crews = list(p, 'group_names').join(', ');
      const body = message
        ? t('notifications.text.safety.alert_raised.bodyMessage', { type, message })
        : crews
          ? t('notifications.text.safety.alert_raised.body', { type, crews })
          : type;
      return { title: t('notifications.text.safety.alert_raised.title', { name }), body };
    }
    case 'safety.alert_acknowledged': {
      if (!name) return null;
      const raw = text(p, 'acknowledgement');
      const answer = includes(ACKS, raw) ? t(`safety.acks.${raw}`) : raw;
      return { title: t('notifications.text.safety.alert_acknowledged.title', { name }), body: answer };
    }
    case 'safety.alert_resolved': {
      if (!name) return null;
      const key = text(p, 'status') === 'cancelled' ? 'cancelled' : 'resolved';
      return { title: t(`notifications.text.safety.alert_resolved.${key}`, { name }), body: '' };
    }
    case 'safety.check_in_missed':
      if (!name) return null;
      return {
        title: t('notifications.text.safety.check_in_missed.title', { name }),
        body: t('notifications.text.safety.check_in_missed.body', { time: formatWhen(text(p, 'due_at'), language), crew }),
      };
    case 'crew.join_requested':
      if (!name || !crew) return null;
      return { title: t('notifications.text.crew.join_requested.title', { name, crew }), body: t('notifications.text.crew.join_requested.body') };
    case 'crew.join_approved':
      if (!crew) return null;
      return { title: t('notifications.text.crew.join_approved.title', { crew }), body: t('notifications.text.crew.join_approved.body') };
    case 'crew.join_rejected':
      if (!crew) return null;
      return { title: t('notifications.text.crew.join_rejected.title', { crew }), body: '' };
    case 'crew.invite_used':
      if (!name || !crew) return null;
      return { title: t('notifications.text.crew.invite_used.title', { name, crew }), body: '' };
    case 'event.waitlist_promoted':
      if (!event) return null;
      return { title: t('notifications.text.event.waitlist_promoted.title', { event }), body: t('notifications.text.event.waitlist_promoted.body', { time }) };
    case 'event.changed': {
      if (!event) return null;
      const fields = list(p, 'changed')
        .map((f) => (includes(FIELDS, f) ? t(`notifications.fields.${f}`) : f.replace(/_/g, ' ')))
        .join(', ');
      return { title: t('notifications.text.event.changed.title', { event }), body: t('notifications.text.event.changed.body', { fields, time }) };
    }
    case 'event.cancelled':
      if (!event) return null;
      return { title: t('notifications.text.event.cancelled.title', { event }), body: t('notifications.text.event.cancelled.body', { time }) };
    case 'event.reminder': {
      if (!event) return null;
      const lead = text(p, 'lead');
      const title =
        lead === '24h'
          ? t('notifications.text.event.reminder.title24h', { event })
          : lead === '2h'
            ? t('notifications.text.event.reminder.title2h', { event })
            : t('notifications.text.event.reminder.titleSoon', { event });
      const venue = text(p, 'venue_name');
      return { title, body: venue ? t('notifications.text.event.reminder.body', { time, venue }) : time };
    }
    case 'account.banned': {
      const reason = text(p, 'reason');
      const until = text(p, 'until');
      return {
        title: t('notifications.text.account.banned.title'),
        body: until
          ? t('notifications.text.account.banned.bodyUntil', { time: formatWhen(until, language), reason })
          : t('notifications.text.account.banned.bodyIndefinite', { reason }),
      };
    }
    case 'account.unbanned':
      return { title: t('notifications.text.account.unbanned.title'), body: t('notifications.text.account.unbanned.body') };
  }
}

export function notificationText(notification: Pick<AppNotification, 'kind' | 'payload' | 'title' | 'body'>, t: T, language: string): NotificationText {
  const payload = notification.payload && typeof notification.payload === 'object' ? notification.payload : {};
  const rendered = isKnownKind(notification.kind) ? render(notification.kind, payload, t, language) : null;
  return rendered ?? { title: notification.title, body: notification.body };
}

/** What a preference row is called: "Someone asks to join my crew"; the raw kind if unknown. */
export function kindName(kind: string, t: T): string {
  return isKnownKind(kind) ? t(`notifications.kindNames.${kind}`) : kind;
}

/** "just now", "5 minutes ago", "yesterday", or the date for anything older than a week. */
export function relativeTime(iso: string, now: number, language: string, t: T): string {
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return t('notifications.justNow');
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto' });
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86_400) return format.format(Math.round(seconds / 86_400), 'day');
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(new Date(then));
}

/** A notification's link, if it is a path in this app; `/` otherwise (never another site). */
export function safeAppPath(link: string | null | undefined): string {
  if (typeof link !== 'string' || !link.startsWith('/') || link.startsWith('//') || link.startsWith('/\\')) return '/';
  return link;
}
