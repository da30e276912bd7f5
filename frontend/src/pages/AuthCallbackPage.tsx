import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthProvider';
import { Loading } from '../components/status';

/** Where the identity provider sends the browser back: finish the code exchange, then go on. */
export function AuthCallbackPage() {
  const { manager } = useAuth();
  const navigate = useNavigate();
  const { t } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  const done = useRef(false);

  useEffect(() => {
    if (done.current) return;
    done.current = true;
    manager
      .signinRedirectCallback()
      .then((user) => {
        const state = user.state as { returnTo?: string } | undefined;
        const target = state?.returnTo && state.returnTo.startsWith('/') && !state.returnTo.startsWith('/auth/') ? state.returnTo : '/';
        navigate(target, { replace: true });
      })
      .catch((error: unknown) => setFailed(error instanceof Error ? error.message : String(error)));
  }, [manager, navigate]);

  if (failed) {
    return (
      <main className="panel narrow" id="main">
        <h1>{t('auth.failedTitle')}</h1>
        <p role="alert">{failed}</p>
        <a href="/">{t('auth.backHome')}</a>
      </main>
    );
  }
  return (
    <main className="panel narrow" id="main">
      <Loading label={t('auth.finishing')} />
    </main>
  );
}
