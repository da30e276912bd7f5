import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../auth/AuthProvider';
import { isModerator } from '../auth/roles';
import { getConfig } from '../config';
import { SafetyButton } from '../safety/SafetyButton';
import { AlertBanners } from '../safety/AlertBanners';
import { LANGUAGES } from '../i18n';
import { NotificationBell } from '../notifications/NotificationBell';
import { disablePush } from '../notifications/push';
import { usersApi } from '../api/users';

/** Signing out on a shared device stops this device's push for that person first (briefly:
 * the sign-out goes ahead whatever the server says). */
function stopPushThen(signOut: () => Promise<void>): Promise<void> {
  const stopped = disablePush().catch(() => undefined);
  const patience = new Promise((resolve) => setTimeout(resolve, 2000));
  return Promise.race([stopped, patience]).then(signOut);
}

export function Layout() {
  const { t, i18n } = useTranslation();
  const { user, signIn, signOut } = useAuth();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Signed in, the page's language is also the one CrewUp writes pushes and e-mails in.
  const changeLanguage = (language: string) => {
    void i18n.changeLanguage(language);
    if (user) usersApi.updateMe({ language: language as 'en' | 'sv' }).catch(() => undefined);
  };

  // Move focus to the new page's content on navigation, for keyboard and screen reader users.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: true });
  }, [location.pathname]);

  return (
    <div className={user ? 'app app-signed-in' : 'app'}>
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      {user && (
        // The safety button comes last in the page; this is the second stop of the tab order.
        <a
          className="skip-link"
          href="#safety-button"
          onClick={(e) => {
            e.preventDefault();
            document.getElementById('safety-button')?.focus();
          }}
        >
          {t('nav.skipToSafety')}
        </a>
      )}
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label={t('nav.home')}>
          Crew<span>Up</span>
        </NavLink>
        <nav aria-label={t('nav.main')} className="mainnav">
          <NavLink to="/" end>
            {t('nav.discover')}
          </NavLink>
          {user && <NavLink to="/events/new">{t('nav.newEvent')}</NavLink>}
          {user && <NavLink to="/crews">{t('nav.crews')}</NavLink>}
          {user && <NavLink to="/safety">{t('nav.safety')}</NavLink>}
          {user && (
            <NavLink to="/profile" className="nav-account">
              <span className="sr-only">{t('nav.profile')}: </span>
              <span className="nav-account-name">{user.name || user.username}</span>
            </NavLink>
          )}
          {user && isModerator(user.roles) && (
            <a href={getConfig().adminUrl} className="nav-moderation">
              {t('nav.moderation')}
            </a>
          )}
        </nav>
        <div className="topbar-tools">
          {user && <NotificationBell />}
          <label className="sr-only" htmlFor="language">
            {t('nav.language')}
          </label>
          <select id="language" value={i18n.resolvedLanguage} onChange={(e) => changeLanguage(e.target.value)}>
            {LANGUAGES.map((lang) => (
              <option key={lang.code} value={lang.code}>
                {lang.name}
              </option>
            ))}
          </select>
          {user ? (
            <button type="button" className="button-secondary" onClick={() => void stopPushThen(signOut)}>
              {t('auth.signOut')} <span className="sr-only">({user.username})</span>
            </button>
          ) : (
            <button type="button" onClick={() => void signIn()}>
              {t('auth.signIn')}
            </button>
          )}
        </div>
      </header>
      {user && <AlertBanners />}
      <main id="main" ref={main} tabIndex={-1}>
        <Outlet />
      </main>
      {user && <SafetyButton />}
    </div>
  );
}
