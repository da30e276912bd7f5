import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthProvider';
import { Loading } from './status';

export function RequireAuth({ children }: { children: ReactNode }) {
  const { user, ready, signIn } = useAuth();
  const { t } = useTranslation();
  if (!ready) return <Loading />;
  if (!user) {
    return (
      <section className="panel narrow">
        <h1>{t('auth.signInTitle')}</h1>
        <p>{t('auth.signInNeeded')}</p>
        <button type="button" onClick={() => void signIn()}>
          {t('auth.signIn')}
        </button>
      </section>
    );
  }
  return <>{children}</>;
}
