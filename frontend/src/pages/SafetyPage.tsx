import { useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { queryKeys } from '../api/queryKeys';
import { safetyApi, type CheckIn, type SafetyAlert } from '../api/safety';
import { useAction } from '../api/useAction';
import { useSafety } from '../safety/SafetyProvider';
import { AlertCard } from '../safety/AlertBanners';
import { ErrorState, InlineError, Loading } from '../components/status';
import { formatTime, fromLocalInput, toLocalInput } from '../components/format';

function remaining(dueAt: string, now: number): string {
  const seconds = Math.max(0, Math.round((new Date(dueAt).getTime() - now) / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

function CheckIns() {
  const { t } = useTranslation();
  const { crews } = useSafety();
  const checkIns = useQuery({ queryKey: queryKeys.safety.checkIns(), queryFn: ({ signal }) => safetyApi.checkIns(signal) });
  const [crewId, setCrewId] = useState('');
  const [due, setDue] = useState(() => toLocalInput(new Date(Date.now() + 2 * 3_600_000)));
  const { busy, error, run } = useAction([queryKeys.safety.checkIns()]);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const extend = (c: CheckIn) => safetyApi.extendCheckIn(c.id, new Date(new Date(c.due_at).getTime() + 30 * 60_000).toISOString());
  return (
    <section className="panel" aria-labelledby="checkins-heading">
      <h2 id="checkins-heading">{t('checkIn.title')}</h2>
      <p className="hint">{t('checkIn.explain')}</p>
      {checkIns.isPending && <Loading />}
      {checkIns.error ? (
        <ErrorState error={checkIns.error} onRetry={() => void checkIns.refetch()} />
      ) : (
        <>
          <ul className="people">
            {checkIns.data?.map((c) => (
              <li key={c.id}>
                <span>
                  {t('checkIn.dueAt', { time: formatTime(c.due_at), crew: c.crew.name })}{' '}
                  <strong role="timer">{remaining(c.due_at, now)}</strong>
                </span>
                <span className="row wrap">
                  <button type="button" className="button-small" disabled={busy} onClick={() => run(() => safetyApi.checkIn(c.id))}>
                    {t('checkIn.checkIn')}
                  </button>
                  <button type="button" className="button-small button-secondary" disabled={busy} onClick={() => run(() => extend(c))}>
                    {t('checkIn.extend')}
                  </button>
                  <button type="button" className="button-small button-secondary" disabled={busy} onClick={() => run(() => safetyApi.cancelCheckIn(c.id))}>
                    {t('common.cancel')}
                  </button>
                </span>
              </li>
            ))}
          </ul>
          {checkIns.data?.length === 0 && <p className="hint">{t('checkIn.none')}</p>}
          <form
            className="row wrap"
            onSubmit={(e) => {
              e.preventDefault();
              run(() => safetyApi.createCheckIn({ group_id: crewId || crews[0]?.id || '', due_at: fromLocalInput(due) }));
            }}
          >
            <div className="field">
              <label htmlFor="checkin-crew">{t('checkIn.crew')}</label>
              <select id="checkin-crew" value={crewId || crews[0]?.id || ''} onChange={(e) => setCrewId(e.target.value)}>
                {crews.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="checkin-due">{t('checkIn.by')}</label>
              <input id="checkin-due" type="datetime-local" required value={due} onChange={(e) => setDue(e.target.value)} />
            </div>
            <button type="submit" disabled={busy || crews.length === 0}>
              {t('checkIn.set')}
            </button>
          </form>
        </>
      )}
      <InlineError error={error} />
    </section>
  );
}

/** The alert a notification links to (`/safety?alert=<id>`): scrolled to and highlighted
 * among the open ones, or fetched and shown first when it is not open (resolved, cancelled). */
function useLinkedAlert(alerts: SafetyAlert[]) {
  const [params] = useSearchParams();
  const id = params.get('alert');
  const listed = id ? alerts.find((a) => a.id === id) : undefined;
  const isListed = listed !== undefined;
  const fetched = useQuery({
    queryKey: queryKeys.safety.alert(id ?? ''),
    queryFn: ({ signal }) => safetyApi.get(id ?? '', signal),
    enabled: Boolean(id) && !isListed,
    retry: false,
  });
  const extra: SafetyAlert | null = (!isListed && fetched.data) || null;
  return { id, extra, missing: !isListed && fetched.isError };
}

function HighlightedAlert({ alert }: { alert: SafetyAlert }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'center' });
    ref.current?.focus({ preventScroll: true });
  }, [alert.id]);
  return (
    <div ref={ref} id={`alert-${alert.id}`} className="alert-highlight" tabIndex={-1} data-testid="linked-alert">
      <AlertCard alert={alert} />
    </div>
  );
}

export default function SafetyPage() {
  const { t } = useTranslation();
  const { alerts, unavailable, error } = useSafety();
  const linked = useLinkedAlert(alerts);
  return (
    <div className="safety-page">
      <section className="panel" aria-labelledby="alerts-heading">
        <h1 id="alerts-heading">{t('safety.pageTitle')}</h1>
        <p>{t('safety.explain')}</p>
        {unavailable && (
          <p className="notice notice-info" role="status">
            {t('errors.safetyUnavailable')}
          </p>
        )}
        {error ? <ErrorState error={error} /> : null}
        {linked.missing && (
          <p className="notice notice-info" role="status">
            {t('safety.alertGone')}
          </p>
        )}
        {linked.extra && (
          <>
            <h2 className="sr-only">{t('safety.fromNotification')}</h2>
            <HighlightedAlert alert={linked.extra} />
          </>
        )}
        {!unavailable && alerts.length === 0 && <p className="hint">{t('safety.noAlerts')}</p>}
        {alerts.map((alert) =>
          alert.id === linked.id ? <HighlightedAlert key={alert.id} alert={alert} /> : <AlertCard key={alert.id} alert={alert} />,
        )}
      </section>
      <CheckIns />
    </div>
  );
}
