import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { AppConfig } from '../config';
import { setTokenSource } from '../api/http';
import { rolesFromAccessToken } from './roles';

export interface CurrentUser {
  /** The identity provider's subject (not CrewUp's user id: compare people by username). */
  id: string;
  username: string;
  name: string;
  roles: string[];
  accessToken: string;
}

interface AuthContextValue {
  user: CurrentUser | null;
  ready: boolean;
  signIn: (returnTo?: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** The current access token, renewed first when it is about to expire. */
  getToken: () => Promise<string | null>;
  manager: UserManager;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function createUserManager(config: AppConfig): UserManager {
  const origin = window.location.origin;
  return new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: `${origin}/auth/callback`,
    post_logout_redirect_uri: `${origin}/`,
    response_type: 'code',
    scope: 'openid profile email roles',
    // Renew with the refresh token a minute before the access token expires.
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: 60,
    loadUserInfo: false,
    userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    monitorSession: false,
  });
}

function toCurrentUser(user: User | null): CurrentUser | null {
  if (!user || user.expired) return null;
  const profile = user.profile;
  return {
    id: profile.sub,
    username: String(profile.preferred_username ?? profile.sub),
    name: String(profile.name ?? profile.preferred_username ?? ''),
    roles: rolesFromAccessToken(user.access_token),
    accessToken: user.access_token,
  };
}

export function AuthProvider({ manager, children }: { manager: UserManager; children: ReactNode }) {
  const [user, setUser] = useState<CurrentUser | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let alive = true;
    const update = (next: User | null) => {
      if (alive) setUser(toCurrentUser(next));
    };
    manager
      .getUser()
      .then(async (stored) => {
        if (stored && stored.expired && stored.refresh_token) {
          try {
            return await manager.signinSilent();
          } catch {
            await manager.removeUser();
            return null;
          }
        }
        return stored;
      })
      .then(update)
      .finally(() => alive && setReady(true));
    const loaded = (next: User) => update(next);
    const unloaded = () => update(null);
    const renewFailed = () => {
      void manager.removeUser().then(() => update(null));
    };
    manager.events.addUserLoaded(loaded);
    manager.events.addUserUnloaded(unloaded);
    manager.events.addSilentRenewError(renewFailed);
    return () => {
      alive = false;
      manager.events.removeUserLoaded(loaded);
      manager.events.removeUserUnloaded(unloaded);
      manager.events.removeSilentRenewError(renewFailed);
    };
  }, [manager]);

  // Set during render, so that children's first requests (in their effects) carry the token.
  setTokenSource(
    () => user?.accessToken ?? null,
    () => {
      void manager.signinSilent().catch(() => manager.removeUser());
    },
  );

  const signIn = useCallback(
    async (returnTo?: string) => {
      const target = returnTo ?? `${window.location.pathname}${window.location.search}`;
      await manager.signinRedirect({ state: { returnTo: target } });
    },
    [manager],
  );

  const signOut = useCallback(async () => {
    const current = await manager.getUser();
    await manager.removeUser();
    await manager.signoutRedirect({ id_token_hint: current?.id_token });
  }, [manager]);

  const getToken = useCallback(async () => {
    const current = await manager.getUser();
    if (!current) return null;
    if ((current.expires_in ?? 0) < 30 && current.refresh_token) {
      try {
        return (await manager.signinSilent())?.access_token ?? null;
      } catch {
        return null;
      }
    }
    return current.access_token;
  }, [manager]);

  const value = useMemo(() => ({ user, ready, signIn, signOut, getToken, manager }), [user, ready, signIn, signOut, getToken, manager]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** For tests: a provider with a fixed user. */
export function StaticAuthProvider({ user, children }: { user: CurrentUser | null; children: ReactNode }) {
  const value = useMemo<AuthContextValue>(
    () => ({
      user,
      ready: true,
      signIn: async () => {},
      signOut: async () => {},
      getToken: async () => user?.accessToken ?? null,
      manager: null as unknown as UserManager,
    }),
    [user],
  );
  setTokenSource(() => user?.accessToken ?? null);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}
