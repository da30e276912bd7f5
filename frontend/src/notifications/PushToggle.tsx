import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../api/http';
import { queryKeys } from '../api/queryKeys';
import { notificationsApi } from '../api/users';
import { useAuth } from '../auth/AuthProvider';
import { InlineError } from '../components/status';
import { currentPushSubscription, disablePush, enablePush, PushError, pushPermission, pushSupported, type PushProblem } from './push';

/** "Push notifications on this device": the browser asks for permission only when this is
 * switched on, never before. */
export function PushToggle() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const supported = pushSupported();
  const [permission, setPermission] = useState(pushPermission);
  // undefined: not known yet; null: the server has push switched off. A server without
  // push-config has no push; anything else: asked again on switching on. The key hardly ever
  // changes: read once.
  const pushConfig = useQuery({
    queryKey: queryKeys.notifications.pushConfig(),
    queryFn: async ({ signal }) => {
      try {
        return (await notificationsApi.pushConfig(signal)).vapid_public_key;
      } catch (caught) {
        if (caught instanceof ApiError && caught.isUnavailable) return null;
        throw caught;
      }
    },
    enabled: supported,
    staleTime: Infinity,
    retry: false,
  });
  const vapidKey: string | null | undefined = pushConfig.data;
  const [subscribed, setSubscribed] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<PushProblem | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!supported) return;
    const controller = new AbortController();
    currentPushSubscription()
      .then((subscription) => !controller.signal.aborted && setSubscribed(subscription !== null))
      .catch(() => undefined);
    return () => controller.abort();
  }, [supported]);

  const fail = (caught: unknown) => {
    if (caught instanceof PushError) setProblem(caught.problem);
    else setError(caught);
  };

  const toggle = (on: boolean) => {
    setBusy(true);
    setProblem(null);
    setError(null);
    // enablePush asks for permission first thing, inside this click.
    const language = i18n.resolvedLanguage ?? i18n.language;
    const action = on ? enablePush(language, vapidKey, user?.username ?? '').then(() => true) : disablePush().then(() => false);
    action
      .then(setSubscribed)
      .catch(fail)
      .finally(() => {
        setPermission(pushPermission());
        setBusy(false);
      });
  };

  const blocked = !supported ? 'unsupported' : permission === 'denied' ? 'denied' : vapidKey === null ? 'server-off' : null;
  const shown = blocked ?? problem;
  const messages: Record<PushProblem, string> = {
    unsupported: t('notifications.push.unsupported'),
    denied: t('notifications.push.denied'),
    'server-off': t('notifications.push.serverOff'),
    'no-worker': t('notifications.push.noWorker'),
  };
  return (
    <div className="stack push-toggle">
      <label className="switch" htmlFor="push-toggle">
        <input
          id="push-toggle"
          type="checkbox"
          role="switch"
          checked={subscribed && !blocked}
          disabled={busy || blocked !== null}
          aria-describedby="push-toggle-hint push-toggle-state"
          onChange={(e) => toggle(e.target.checked)}
        />
        {t('notifications.push.toggle')}
      </label>
      <p className="hint" id="push-toggle-hint">
        {t('notifications.push.toggleHint')}
      </p>
      <div id="push-toggle-state" aria-live="polite">
        {shown ? (
          <p className={`notice ${shown === 'denied' ? 'notice-error' : 'notice-info'}`} data-testid="push-state">
            {messages[shown]}
          </p>
        ) : (
          subscribed && <p className="hint">{t('notifications.push.on')}</p>
        )}
      </div>
      <InlineError error={error} />
    </div>
  );
}
