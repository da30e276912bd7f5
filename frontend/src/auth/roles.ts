/** Realm roles from an access token's `realm_access.roles` (for what the UI shows; the APIs decide). */
export function rolesFromAccessToken(token: string | null | undefined): string[] {
  if (!token) return [];
  const part = token.split('.')[1];
  if (!part) return [];
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const claims = JSON.parse(json) as { realm_access?: { roles?: unknown } };
    const roles = claims.realm_access?.roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}

export function isModerator(roles: readonly string[]): boolean {
  return roles.includes('moderator') || roles.includes('admin');
}
