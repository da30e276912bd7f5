// Hand-written against the documented user API (issue 4); regenerate with `npm run gen:api`
// once `/api/v1/users/schema/` lists paths, and switch these to the generated types.
import { request } from './http';
import type { LatLng } from './events';

export interface Profile {
  id: string;
  username: string;
  display_name: string;
  email?: string;
  bio: string;
  avatar_url: string;
  interests: string[];
  home_area: LatLng | null;
}

export type ProfileUpdate = Partial<Pick<Profile, 'display_name' | 'bio' | 'avatar_url' | 'interests' | 'home_area'>>;

export const usersApi = {
  me: (signal?: AbortSignal) => request<Profile>('users/me/', { signal }),
  updateMe: (input: ProfileUpdate) => request<Profile>('users/me/', { method: 'PATCH', body: input }),
  /** Everything held on me, as JSON. */
  exportMe: () => request<unknown>('users/me/export/'),
  deleteMe: () => request<void>('users/me/', { method: 'DELETE' }),
};
