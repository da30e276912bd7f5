import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { queryKeys } from '../api/queryKeys';
import { NOTIFICATION_CHANNELS, notificationsApi, type NotificationChannel, type NotificationPreference } from '../api/users';
import { ErrorState, InlineError, Loading } from '../components/status';
import { kindName } from './text';

/** Per kind: in the app, by push, by e-mail. The channels a safety kind must use are locked. */
export function PreferencesTable() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const key = queryKeys.notifications.preferences();
  const preferences = useQuery({ queryKey: key, queryFn: ({ signal }) => notificationsApi.preferences(signal) });
  // The box changes at once; the server's answer replaces it, a refusal puts it back.
  const update = useMutation({
    mutationFn: ({ kind, channel, value }: { kind: string; channel: NotificationChannel; value: boolean }) =>
      notificationsApi.updatePreferences([{ kind, [channel]: value }]),
    onMutate: ({ kind, channel, value }) => {
      const before = queryClient.getQueryData<NotificationPreference[]>(key);
      queryClient.setQueryData<NotificationPreference[]>(key, (current) => (current ?? []).map((p) => (p.kind === kind ? { ...p, [channel]: value } : p)));
      return { before };
    },
    onSuccess: (next) => queryClient.setQueryData(key, next),
    onError: (_error, _change, context) => {
      if (context?.before) queryClient.setQueryData(key, context.before);
    },
  });
  const error = update.error;
  const saved = update.isSuccess;

  const change = (kind: string, channel: NotificationChannel, value: boolean) => update.mutate({ kind, channel, value });

  if (preferences.isPending) return <Loading />;
  if (preferences.error && !preferences.data) return <ErrorState error={preferences.error} onRetry={() => void preferences.refetch()} />;
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
