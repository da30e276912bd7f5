import type { components } from './schema/groups';
import { request, type Page } from './http';

type S = components['schemas'];
export type JoinPolicy = S['JoinPolicyEnum'];
export type CrewVisibility = S['GroupVisibilityEnum'];
export type MemberRole = S['MemberRoleEnum'];
export type Crew = Omit<S['GroupOutput'], 'my_role'> & { readonly my_role: MemberRole | null };
export type CrewInput = S['GroupCreateInputRequest'];
export type CrewUpdate = S['PatchedGroupUpdateInputRequest'];
export type Membership = S['MembershipOutput'];
export type JoinRequest = S['JoinRequestOutput'];
export type Invite = S['InviteOutput'];
export type NewInvite = S['InviteCreateOutput'];
export type ChatMessage = S['MessageOutput'];
export type MessagePage = S['MessagePageOutput'];
export type PublicUser = S['UserOutput'];

export const groupsApi = {
  list: (query: { event_id?: string; mine?: boolean; page?: number }, signal?: AbortSignal) =>
    request<Page<Crew>>('groups/', { query: { ...query, page_size: 100 }, signal }),
  get: (id: string, signal?: AbortSignal) => request<Crew>(`groups/${id}/`, { signal }),
  create: (input: CrewInput) => request<Crew>('groups/', { method: 'POST', body: input }),
  update: (id: string, input: CrewUpdate) => request<Crew>(`groups/${id}/`, { method: 'PATCH', body: input }),
  join: (id: string) => request<Membership>(`groups/${id}/join/`, { method: 'POST' }),
  joinByInvite: (token: string) =>
    request<Membership>('groups/join-by-invite/', { method: 'POST', body: { token } }),
  leave: (id: string) => request<void>(`groups/${id}/leave/`, { method: 'POST' }),
  members: (id: string, signal?: AbortSignal) =>
    request<Page<Membership>>(`groups/${id}/members/`, { query: { page_size: 100 }, signal }),
  removeMember: (id: string, userId: string) =>
    request<void>(`groups/${id}/members/${userId}/`, { method: 'DELETE' }),
  setRole: (id: string, userId: string, role: 'admin' | 'member') =>
    request<Membership>(`groups/${id}/members/${userId}/`, { method: 'PATCH', body: { role } }),
  transferOwnership: (id: string, userId: string) =>
    request<Crew>(`groups/${id}/transfer-ownership/`, { method: 'POST', body: { user_id: userId } }),
  joinRequests: (id: string, signal?: AbortSignal) =>
    request<Page<JoinRequest>>(`groups/${id}/join-requests/`, { query: { page_size: 100 }, signal }),
  requestToJoin: (id: string, message: string) =>
    request<JoinRequest>(`groups/${id}/join-requests/`, { method: 'POST', body: { message } }),
  withdrawRequest: (id: string, requestId: string) =>
    request<void>(`groups/${id}/join-requests/${requestId}/`, { method: 'DELETE' }),
  approveRequest: (id: string, requestId: string) =>
    request<JoinRequest>(`groups/${id}/join-requests/${requestId}/approve/`, { method: 'POST' }),
  rejectRequest: (id: string, requestId: string) =>
    request<JoinRequest>(`groups/${id}/join-requests/${requestId}/reject/`, { method: 'POST' }),
  invites: (id: string, signal?: AbortSignal) =>
    request<Page<Invite>>(`groups/${id}/invites/`, { query: { page_size: 100 }, signal }),
  createInvite: (id: string, input: { expires_at?: string | null; max_uses?: number | null }) =>
    request<NewInvite>(`groups/${id}/invites/`, { method: 'POST', body: input }),
  revokeInvite: (id: string, inviteId: string) =>
    request<void>(`groups/${id}/invites/${inviteId}/`, { method: 'DELETE' }),
  messages: (id: string, query: { before?: number; after?: number; limit?: number }, signal?: AbortSignal) =>
    request<MessagePage>(`groups/${id}/messages/`, { query, signal }),
};
