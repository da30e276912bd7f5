import { useEffect, useState } from 'react';
import { useLocation } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { queryKeys } from '../api/queryKeys';
import { usersApi, type Profile } from '../api/users';
import { useAuth } from '../auth/AuthProvider';
import { ErrorState, InlineError, Loading } from '../components/status';
import { ReportButton } from '../components/ReportButton';
import { CITIES } from '../map/cities';
import { LANGUAGES } from '../i18n';
import { isModerator } from '../auth/roles';
import { getConfig } from '../config';
import { NotificationSettings } from '../notifications/NotificationSettings';

/** The IANA zones this browser knows, with `current` kept even when it does not list it. */
function timeZones(current: string): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return known.includes(current) ? known : [current, ...known];
}

function ProfileForm({ profile, onSaved }: { profile: Profile; onSaved: (p: Profile) => void }) {
  const { t } = useTranslation();
  const [displayName, setDisplayName] = useState(profile.display_name);
  const [bio, setBio] = useState(profile.bio ?? '');
  const [avatarUrl, setAvatarUrl] = useState(profile.avatar_url ?? '');
  const [interests, setInterests] = useState((profile.interests ?? []).join(', '));
  const [home, setHome] = useState(() => CITIES.find((c) => profile.home_location && Math.abs(c.at.lat - profile.home_location.lat) < 0.05 && Math.abs(c.at.lng - profile.home_location.lng) < 0.05)?.id ?? '');
  const [language, setLanguage] = useState(profile.language);
  const [timeZone, setTimeZone] = useState(profile.time_zone);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const deviceZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setSaved(false);
        usersApi
          .updateMe({
            display_name: displayName,
            bio,
            avatar_url: avatarUrl,
            interests: interests.split(',').map((s) => s.trim()).filter(Boolean),
            home_location: CITIES.find((c) => c.id === home)?.at ?? null,
            language,
            time_zone: timeZone,
          })
          .then((p) => {
            onSaved(p);
            setSaved(true);
          })
          .catch(setError)
          .finally(() => setBusy(false));
      }}
    >
      <div className="field">
        <label htmlFor="display_name">{t('profile.displayName')}</label>
        <input id="display_name" maxLength={150} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="bio">{t('profile.bio')}</label>
        <textarea id="bio" maxLength={1000} value={bio} onChange={(e) => setBio(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="avatar_url">{t('profile.avatar')}</label>
        <input id="avatar_url" type="url" value={avatarUrl} onChange={(e) => setAvatarUrl(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="interests">{t('profile.interests')}</label>
        <input id="interests" value={interests} aria-describedby="interests-hint" onChange={(e) => setInterests(e.target.value)} />
        <p className="hint" id="interests-hint">
          {t('profile.interestsHint')}
        </p>
      </div>
      <div className="field">
        <label htmlFor="home">{t('profile.home')}</label>
        <select id="home" value={home} onChange={(e) => setHome(e.target.value)}>
          <option value="">{t('profile.noHome')}</option>
          {CITIES.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="language-setting">{t('profile.language')}</label>
        <select id="language-setting" value={language} onChange={(e) => setLanguage(e.target.value as Profile['language'])}>
          {LANGUAGES.map((l) => (
            <option key={l.code} value={l.code}>
              {l.name}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="time-zone">{t('profile.timeZone')}</label>
        <select id="time-zone" value={timeZone} aria-describedby="time-zone-hint" onChange={(e) => setTimeZone(e.target.value)}>
          {timeZones(timeZone).map((zone) => (
            <option key={zone} value={zone}>
              {zone.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
        <p className="hint" id="time-zone-hint">
          {t('profile.timeZoneHint', { zone: deviceZone.replace(/_/g, ' ') })}
        </p>
      </div>
      <InlineError error={error} />
      {saved && <p role="status">{t('profile.saved')}</p>}
      <button type="submit" disabled={busy}>
        {t('common.save')}
      </button>
    </form>
  );
}

function DataAndAccount({ username }: { username: string }) {
  const { t } = useTranslation();
  const { signOut } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [confirmName, setConfirmName] = useState('');
  const exportData = () => {
    setBusy(true);
    setError(null);
    usersApi
      .exportMe()
      .then((data) => {
        const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
        const url = URL.createObjectURL(blob);
        const link = document.createElement('a');
        link.href = url;
        link.download = `crewup-${username}.json`;
        link.click();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };
  return (
    <section className="panel" aria-labelledby="data-heading">
      <h2 id="data-heading">{t('profile.dataTitle')}</h2>
      <p>{t('profile.exportExplain')}</p>
      <button type="button" className="button-secondary" disabled={busy} onClick={exportData}>
        {t('profile.export')}
      </button>
      <form
        className="stack danger-zone"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          usersApi
            .deleteMe()
            .then(() => signOut())
            .catch(setError)
            .finally(() => setBusy(false));
        }}
      >
        <h3>{t('profile.deleteTitle')}</h3>
        <p>{t('profile.deleteExplain')}</p>
        <div className="field">
          <label htmlFor="confirm-delete">{t('profile.deleteConfirm', { username })}</label>
          <input id="confirm-delete" value={confirmName} autoComplete="off" onChange={(e) => setConfirmName(e.target.value)} />
        </div>
        <button type="submit" className="button-danger" disabled={busy || confirmName !== username}>
          {t('profile.delete')}
        </button>
      </form>
      <InlineError error={error} />
    </section>
  );
}

function ReportSomeone() {
  const { t } = useTranslation();
  const [userId, setUserId] = useState('');
  return (
    <section className="panel" aria-labelledby="report-heading">
      <h2 id="report-heading">{t('report.title')}</h2>
      <p className="hint">{t('report.explain')}</p>
      <div className="field">
        <label htmlFor="report-user-id">{t('report.userId')}</label>
        <input id="report-user-id" value={userId} onChange={(e) => setUserId(e.target.value.trim())} />
      </div>
      {/^[0-9a-f-]{36}$/i.test(userId) && <ReportButton key={userId} target="user" id={userId} />}
    </section>
  );
}

export default function ProfilePage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const profile = useQuery({ queryKey: queryKeys.profile.me(), queryFn: ({ signal }) => usersApi.me(signal) });
  const queryClient = useQueryClient();
  const current = profile.data;
  const { hash } = useLocation();
  // /profile#notifications (the bell's settings link) goes straight to that section.
  useEffect(() => {
    if (hash !== '#notifications') return;
    const section = document.getElementById('notifications');
    section?.scrollIntoView({ block: 'start' });
    section?.focus({ preventScroll: true });
  }, [hash]);
  return (
    <div className="profile-page">
      <section className="panel" aria-labelledby="profile-heading">
        <h1 id="profile-heading">{t('profile.title')}</h1>
        <p className="meta">
          {t('profile.signedInAs', { username: user?.username ?? '' })} · {t('profile.roles', { roles: (user?.roles ?? []).map((role) => t(`profile.roleNames.${role}`, { defaultValue: role })).join(', ') })}
        </p>
        {user && isModerator(user.roles) && (
          <p>
            <a href={getConfig().adminUrl}>{t('nav.moderation')}</a>
          </p>
        )}
        {profile.isPending && <Loading />}
        {profile.error ? <ErrorState error={profile.error} onRetry={() => void profile.refetch()} /> : null}
        {current && <ProfileForm key={current.id} profile={current} onSaved={(saved: Profile) => queryClient.setQueryData(queryKeys.profile.me(), saved)} />}
      </section>
      <NotificationSettings />
      <DataAndAccount username={user?.username ?? ''} />
      <ReportSomeone />
    </div>
  );
}
