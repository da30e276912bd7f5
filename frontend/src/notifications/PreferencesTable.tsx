import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NOTIFICATION_CHANNELS, notificationsApi, type NotificationChannel, type NotificationPreference } from '../api/users';
import { useAsync } from '../components/useAsync';
import { ErrorState, InlineError, Loading } from '../components/status';
import { kindName } from './text';

/** Per kind: in the app, by push, by e-mail. The channels a safety kind must use are locked. */
export function PreferencesTable() {
  const { t } = useTranslation();
  const preferences = useAsync((signal) => notificationsApi.preferences(signal), []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const change = (kind: string, channel: NotificationChannel, value: boolean) => {
    const before = preferences.data;
    setError(null);
    setSaved(false);
    preferences.setData((current) => (current ?? []).map((p) => (p.kind === kind ? { ...p, [channel]: value } : p)));
    notificationsApi
      .updatePreferences([{ kind, [channel]: value }])
      .then((next) => {
        preferences.setData(next);
        setSaved(true);
      })
      .catch((caught: unknown) => {
        if (before) preferences.setData(before);
        setError(caught);
      });
  };

  if (preferences.loading && !preferences.data) return <Loading />;
  if (preferences.error) return <ErrorState error={preferences.error} onRetry={preferences.reload} />;
  const rows: NotificationPreference[] = preferences.data ?? [];
  const channelName = (channel: NotificationChannel) => t(`notifications.prefs.${channel}`);
  return (
    <div className="stack">
      <table className="prefs-table">
        <caption>{t('notifications.prefs.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('notifications.prefs.kind')}</th>
            {NOTIFICATION_CHANNELS.map((channel) => (
              <th key={channel} scope="col">
                {channelName(channel)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const name = kindName(row.kind, t);
            const lockId = `locked-${row.kind.replace(/[^a-z0-9_-]/gi, '-')}`;
            return (
              <tr key={row.kind}>
                <th scope="row">
                  {name}
                  {row.locked.length > 0 && (
                    <span className="prefs-locked" id={lockId}>
                      {t('notifications.prefs.locked')}
                    </span>
                  )}
                </th>
                {NOTIFICATION_CHANNELS.map((channel) => {
                  const locked = row.locked.includes(channel);
                  return (
                    <td key={channel}>
                      <input
                        type="checkbox"
                        checked={row[channel]}
                        disabled={locked}
                        aria-label={t('notifications.prefs.channelFor', { channel: channelName(channel), kind: name })}
                        aria-describedby={locked ? lockId : undefined}
                        onChange={(e) => change(row.kind, channel, e.target.checked)}
                      />
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      <InlineError error={error} />
      <p className="hint" role="status">
        {saved ? t('notifications.prefs.saved') : ''}
      </p>
    </div>
  );
}
