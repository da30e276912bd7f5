import { describe, expect, it } from 'vitest';
import { isModerator, rolesFromAccessToken } from './roles';

const token = (claims: object) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.s`;

describe('roles from the access token', () => {
  it('reads realm_access.roles', () => {
    expect(rolesFromAccessToken(token({ realm_access: { roles: ['user', 'moderator'] } }))).toEqual(['user', 'moderator']);
    expect(isModerator(['user', 'moderator'])).toBe(true);
    expect(isModerator(['user', 'admin'])).toBe(true);
    expect(isModerator(['user'])).toBe(false);
  });

  it('gives no roles for a missing or broken token', () => {
    expect(rolesFromAccessToken(null)).toEqual([]);
    expect(rolesFromAccessToken('not-a-jwt')).toEqual([]);
    expect(rolesFromAccessToken(token({}))).toEqual([]);
  });
});
