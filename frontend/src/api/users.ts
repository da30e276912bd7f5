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
