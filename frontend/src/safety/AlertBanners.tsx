import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ACK_KINDS, type SafetyAlert } from '../api/safety';
import { useAuth } from '../auth/AuthProvider';
import { PointMap } from '../map/PointMap';
import { InlineError } from '../components/status';
import { formatTime } from '../components/format';
import { useSafety } from './SafetyProvider';

/** The emergency number shown beside anything that could keep an alert from the crew. */
export const EMERGENCY_NUMBER = '112';

/** "In an emergency, call 112", with the number as a link a phone dials. */
export function EmergencyCall() {
  const { t } = useTranslation();
  return (
    <p className="emergency-call">
      {t('safety.emergencyHint')}{' '}
      <a className="button button-danger" href={`tel:${EMERGENCY_NUMBER}`}>
        {t('safety.callEmergency', { number: EMERGENCY_NUMBER })}
      </a>
    </p>
  );
}

/** One alert: who, what, where, and the buttons that fit (acknowledge; or resolve/cancel my own). */
export function AlertCard({ alert, compact = false }: { alert: SafetyAlert; compact?: boolean }) {
  const { t } = useTranslation();
  // In the tray on a phone the map waits behind a button, so that the page under it stays in
  // view; on a wide screen it sits beside the card's text and is shown at once.
  const [mapShown, setMapShown] = useState(() => !compact || window.matchMedia?.('(min-width: 900px)').matches === true);
  const { user } = useAuth();
  const { acknowledge, resolve, cancel } = useSafety();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mine = alert.sender.username === user?.username;
  // A listed alert comes without its acknowledgements until it is fetched in full.
  const acks = alert.acknowledgements;
  const myAck = acks?.find((a) => a.user.username === user?.username);
  const name = alert.sender.display_name || alert.sender.username;
  // The trail's latest point, else where it was raised; neither: "position not known yet".
  const at = alert.latest_location ?? alert.location;
  const position = at ? { lat: at.lat, lng: at.lng } : null;
  const run = (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    action()
      .catch(setError)
      .finally(() => setBusy(false));
  };
  return (
    <article className={`alert-card alert-${alert.status}${compact ? ' alert-card-compact' : ''}`} aria-label={t('safety.alertFrom', { name })} data-testid="alert-card">
      <div className="alert-text">
        <p className="alert-title">
          <strong>{mine ? t('safety.yourAlert') : t('safety.alertFrom', { name })}</strong> · {t(`safety.types.${alert.alert_type}`)} ·{' '}
          <time dateTime={alert.created_at}>{formatTime(alert.created_at)}</time>
          {alert.status !== 'open' && <span className="tag"> {t(`safety.status.${alert.status}`)}</span>}
        </p>
        {alert.check_in_due_at && (
          <p>
            {t('safety.missedCheckInBy', { time: formatTime(alert.check_in_due_at) })}
          </p>
        )}
        {alert.message && <p>{alert.message}</p>}
        {!position && alert.status === 'open' && (
          <p className="alert-no-position" data-testid="position-unknown">
            {t('safety.positionUnknown')}
          </p>
        )}
        <p className="hint" aria-live="polite">
          {!acks
            ? null
            : acks.length === 0
              ? t('safety.noAcks')
              : acks.map((a) => `${a.user.display_name || a.user.username}: ${t(`safety.acks.${a.kind}`)}`).join(' · ')}
        </p>
        {alert.status === 'open' && (
          <div className="row wrap">
            {mine ? (
              <>
                <button type="button" disabled={busy} onClick={() => run(() => resolve(alert.id))}>
                  {t('safety.resolve')}
                </button>
                <button type="button" className="button-secondary" disabled={busy} onClick={() => run(() => cancel(alert.id))}>
                  {t('safety.falseAlarm')}
                </button>
              </>
            ) : (
              ACK_KINDS.map((kind) => (
                <button key={kind} type="button" className={myAck?.kind === kind ? '' : 'button-secondary'} aria-pressed={myAck?.kind === kind} disabled={busy} onClick={() => run(() => acknowledge(alert.id, kind))}>
                  {t(`safety.acks.${kind}`)}
                </button>
              ))
            )}
          </div>
        )}
        {compact && position && !mine && (
          <button type="button" className="button-link" aria-expanded={mapShown} aria-controls={`alert-map-${alert.id}`} onClick={() => setMapShown((shown) => !shown)}>
            {mapShown ? t('safety.hideMap') : t('safety.showMap')}
          </button>
        )}
        <InlineError error={error} />
      </div>
      {position && !mine && mapShown && (
        // At street level, on the latest position the sender shared.
        <div id={`alert-map-${alert.id}`} className="alert-map">
          <PointMap point={position} fallback={position} zoom={16} kind="alert" label={t('safety.senderMap', { name })} className="map-alert" />
        </div>
      )}
    </article>
  );
}

/** Live alerts of my crews, at the top of every screen, in one tray: the newest open one, and
 * the others behind a count; and mine still waiting on this device. The tray never takes more
 * than part of the screen (the chat under it stays in view); the Safety page lists them all. */
export function AlertBanners() {
  const { t } = useTranslation();
  const { alerts, queued, refused, dismissRefused } = useSafety();
  const [all, setAll] = useState(false);
  const open = alerts.filter((a) => a.status === 'open').sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  if (open.length === 0 && queued.length === 0 && refused.length === 0) return null;
  const shown = all ? open : open.slice(0, 1);
  return (
    <section className="alert-banners" role="alert" aria-label={t('safety.liveAlerts')}>
      {open.length > 1 && (
        <div className="alert-tray-head">
          <strong>{t('safety.openCount', { count: open.length })}</strong>
          <button type="button" className="button-secondary button-small" aria-expanded={all} onClick={() => setAll((value) => !value)}>
            {all ? t('safety.showNewest') : t('safety.showAll', { count: open.length })}
          </button>
        </div>
      )}
      {queued.length > 0 && (
        <div className="notice notice-info alert-queued" data-testid="alert-queued">
          <p>{t('safety.queuedBanner', { count: queued.length })}</p>
          <EmergencyCall />
        </div>
      )}
      {refused.map(({ entry, error }) => (
        <div key={entry.id} className="notice notice-error alert-refused" data-testid="alert-refused">
          <p>{t('safety.queuedRefused', { message: error.message })}</p>
          <EmergencyCall />
          <button type="button" className="button-secondary button-small" onClick={() => dismissRefused(entry.id)}>
            {t('common.close')}
          </button>
        </div>
      ))}
      {shown.map((alert) => (
        <AlertCard key={alert.id} alert={alert} compact />
      ))}
    </section>
  );
}
