import type { components } from './schema/users';
import { request } from './http';

type S = components['schemas'];
/** My own account, as `users/me/` returns it (e-mail and home location included). */
export type Profile = S['MeOutput'];
export type ProfileUpdate = S['PatchedProfileUpdateInputRequest'];
/** What anyone signed in sees of a user (`users/{id}/`). */
export type PublicProfile = S['PublicProfileOutput'];
/** Everything CrewUp holds on me (`users/me/export/`). */
export type UserExport = S['UserExportOutput'];

export const usersApi = {
  me: (signal?: AbortSignal) => request<Profile>('users/me/', { signal }),
  updateMe: (input: ProfileUpdate) => request<Profile>('users/me/', { method: 'PATCH', body: input }),
  /** Everything held on me, as JSON. */
  exportMe: () => request<UserExport>('users/me/export/'),
  deleteMe: () => request<void>('users/me/', { method: 'DELETE' }),
};

// --- Notifications, their preferences and push subscriptions ---------------------------------
// HAND-WRITTEN until `npm run gen:api` runs against a user service that serves these endpoints
// (the contract: shared/shared/notifications/kinds.py and the notifications API). Replace them
// with `components['schemas'][...]` then; `npm run typecheck` shows where they differ.

/** One notification (`users/me/notifications/`). `title`/`body` are the server's rendering in
 * the user's language; the app renders its own from `kind` + `payload` (see notifications/text). */
export interface AppNotification {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  /** The app path it opens, e.g. `/safety?alert=<id>`. */
  link: string;
  title: string;
  body: string;
  created_at: string;
  read_at: string | null;
}

/** A page of my notifications: newest first, `next` a URL with an opaque cursor. */
export interface NotificationPage {
  results: AppNotification[];
  next: string | null;
  unread_count: number;
}

export type NotificationChannel = 'in_app' | 'push' | 'email';
export const NOTIFICATION_CHANNELS: readonly NotificationChannel[] = ['in_app', 'push', 'email'];

/** How one kind reaches me; `locked` lists the channels I cannot switch off (safety kinds). */
export interface NotificationPreference {
  kind: string;
  in_app: boolean;
  push: boolean;
  email: boolean;
  locked: NotificationChannel[];
}

export type NotificationPreferenceChange = { kind: string } & Partial<Record<NotificationChannel, boolean>>;

/** The server's VAPID public key (base64url, an uncompressed P-256 point); null: push is off. */
export interface PushConfig {
  vapid_public_key: string | null;
}

/** `PushSubscription.toJSON()`, with the UI language for the texts the server renders. */
export interface PushSubscriptionInput {
  endpoint: string;
  expirationTime?: number | null;
  keys: { p256dh: string; auth: string };
  language: string;
}

/** The `cursor` query parameter of a `next` URL (absolute, or relative to any host). */
export function cursorOf(next: string): string | null {
  try {
    return new URL(next, 'http://cursor.invalid').searchParams.get('cursor');
  } catch {
    return null;
  }
}

export const notificationsApi = {
  /** The first page, or the one after `next` (the `next` URL of the previous page). */
  list: (next?: string | null, signal?: AbortSignal) =>
    request<NotificationPage>('users/me/notifications/', { query: { cursor: next ? cursorOf(next) : undefined }, signal }),
  markRead: (id: string) => request<AppNotification>(`users/me/notifications/${id}/read/`, { method: 'POST' }),
  markAllRead: () => request<{ unread_count: number }>('users/me/notifications/read-all/', { method: 'POST' }),
  preferences: async (signal?: AbortSignal) =>
    (await request<{ preferences: NotificationPreference[] }>('users/me/notification-preferences/', { signal })).preferences,
  updatePreferences: async (changes: NotificationPreferenceChange[]) =>
    (await request<{ preferences: NotificationPreference[] }>('users/me/notification-preferences/', { method: 'PATCH', body: { preferences: changes } }))
      .preferences,
  pushConfig: (signal?: AbortSignal) => request<PushConfig>('users/push-config/', { signal }),
  addPushSubscription: (subscription: PushSubscriptionInput) =>
    request<unknown>('users/me/push-subscriptions/', { method: 'POST', body: subscription }),
  removePushSubscription: (endpoint: string) =>
    request<void>('users/me/push-subscriptions/', { method: 'DELETE', body: { endpoint } }),
};
