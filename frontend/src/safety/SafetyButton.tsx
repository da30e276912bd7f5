import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RAISABLE_ALERT_TYPES, type RaisableAlertType } from '../api/safety';
import { HoldButton } from './HoldButton';
import { useSafety } from './SafetyProvider';
import { ErrorState } from '../components/status';
import { AlertCard, EmergencyCall } from './AlertBanners';
import { asLocationInput, bestKnownPosition, isLocationDenied, watchPositions } from './position';

export const HOLD_MS = 1500;
export const COUNTDOWN_S = 5;

type Stage = 'form' | 'countdown' | 'sending' | 'sent' | 'queued';
/** Why an alert went without a position: location access refused, or no fix yet. */
type NoPosition = 'denied' | 'unknown' | null;

/** The safety button on every screen: choose crews, type and message, hold to confirm, and a
 * countdown during which it can still be cancelled. */
/** The most crews one alert may go to (the safety API's limit). */
const MAX_ALERT_CREWS = 10;

export function SafetyButton() {
  const { t } = useTranslation();
  const { crews, raise, alerts, unavailable, refreshCrews, queued, delivered, refused } = useSafety();
  const dialog = useRef<HTMLDialogElement>(null);
  const [isOpen, setIsOpen] = useState(false);
  const [stage, setStage] = useState<Stage>('form');
  const [selected, setSelected] = useState<string[] | null>(null);
  const [alertType, setAlertType] = useState<RaisableAlertType>('help');
  const [message, setMessage] = useState('');
  const [countdown, setCountdown] = useState(COUNTDOWN_S);
  const [error, setError] = useState<unknown>(null);
  const [noPosition, setNoPosition] = useState<NoPosition>(null);
  const [sentId, setSentId] = useState<string | null>(null);
  const [queuedId, setQueuedId] = useState<string | null>(null);
  // By default the alert goes to your newest crews (the API takes up to MAX_ALERT_CREWS at once).
  const chosen = selected ?? crews.slice(0, MAX_ALERT_CREWS).map((c) => c.id);
  // A queued alert that has gone out since is shown as sent.
  const deliveredId = queuedId ? delivered[queuedId] : undefined;
  const shownId = sentId ?? deliveredId ?? null;
  const sent = alerts.find((a) => a.id === shownId) ?? null;
  const stillQueued = queuedId !== null && queued.some((entry) => entry.id === queuedId);
  const refusal = refused.find((r) => r.entry.id === queuedId);
  const view: Stage = stage === 'queued' && deliveredId ? 'sent' : stage;
  // Why it went without a position, for as long as no position has come since.
  const missingPosition = sent && (sent.latest_location ?? sent.location) ? null : noPosition;

  // While the dialog is open, ask for a fix, so that one is at hand when the countdown ends.
  useEffect(() => (isOpen ? watchPositions() : undefined), [isOpen]);

  const open = () => {
    refreshCrews();
    setStage(stillQueued ? 'queued' : sent && sent.status === 'open' ? 'sent' : 'form');
    setError(null);
    setIsOpen(true);
    dialog.current?.showModal();
  };
  const close = () => {
    if (stage === 'countdown') setStage('form');
    dialog.current?.close();
  };

  useEffect(() => {
    if (stage !== 'countdown') return;
    if (countdown <= 0) {
      setStage('sending');
      // Never wait for a fix: the best position already at hand, or none (it follows later).
      const known = bestKnownPosition();
      void (async () => {
        try {
          const location = known ? asLocationInput(known) : null;
          const result = await raise({ group_ids: chosen, alert_type: alertType, message, location });
          // A queued alert takes the best position known when it finally goes (its card tells).
          setNoPosition(known || result.status === 'queued' ? null : isLocationDenied() ? 'denied' : 'unknown');
          if (result.status === 'sent') {
            setSentId(result.alert.id);
            setQueuedId(null);
            setStage('sent');
          } else {
            setSentId(null);
            setQueuedId(result.entry.id);
            setStage('queued');
          }
        } catch (caught) {
          setError(caught);
          setStage('form');
        }
      })();
      return;
    }
    const timer = setTimeout(() => setCountdown((n) => n - 1), 1000);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stage, countdown]);

  return (
    <>
      <button type="button" id="safety-button" className="safety-fab" onClick={open} aria-haspopup="dialog">
        <span aria-hidden="true">⚠</span> {t('safety.button')}
      </button>
      <dialog
        ref={dialog}
        className="safety-dialog"
        aria-labelledby="safety-title"
        onClose={() => {
          setIsOpen(false);
          if (stage === 'countdown') setStage('form');
        }}
      >
        <h2 id="safety-title">{t('safety.title')}</h2>
        {unavailable && <p className="notice notice-info" role="status">{t('errors.safetyUnavailable')}</p>}
        {view === 'form' && (
          <form
            className="stack"
            onSubmit={(e) => e.preventDefault()}
          >
            <fieldset>
              <legend>{t('safety.toCrews')}</legend>
              {crews.length === 0 && <p className="hint">{t('safety.noCrews')}</p>}
              {crews.map((crew) => (
                <label key={crew.id} className="check">
                  <input
                    type="checkbox"
                    checked={chosen.includes(crew.id)}
                    disabled={!chosen.includes(crew.id) && chosen.length >= MAX_ALERT_CREWS}
                    onChange={(e) => setSelected(e.target.checked ? [...chosen, crew.id] : chosen.filter((id) => id !== crew.id))}
                  />
                  {crew.name}
                </label>
              ))}
            </fieldset>
            <div className="field">
              <label htmlFor="alert-type">{t('safety.type')}</label>
              <select id="alert-type" value={alertType} onChange={(e) => setAlertType(e.target.value as RaisableAlertType)}>
                {RAISABLE_ALERT_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`safety.types.${type}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="alert-message">{t('safety.message')}</label>
              <textarea id="alert-message" maxLength={500} value={message} onChange={(e) => setMessage(e.target.value)} />
            </div>
            <p className="hint">{t('safety.locationSent')}</p>
            {error ? (
              <>
                <ErrorState error={error} />
                <EmergencyCall />
              </>
            ) : null}
            <HoldButton
              holdMs={HOLD_MS}
              className="button-danger"
              disabled={chosen.length === 0 || unavailable}
              hint={t('safety.holdHint', { seconds: HOLD_MS / 1000 })}
              onConfirm={() => {
                setCountdown(COUNTDOWN_S);
                setStage('countdown');
              }}
            >
              {t('safety.hold')}
            </HoldButton>
            <button type="button" className="button-secondary" onClick={close}>
              {t('common.close')}
            </button>
          </form>
        )}
        {view === 'countdown' && (
          <div className="stack countdown">
            <p role="timer" aria-live="assertive" className="countdown-number">
              {t('safety.sendingIn', { count: countdown })}
            </p>
            <button type="button" className="button-large" autoFocus onClick={() => setStage('form')}>
              {t('safety.cancelSend')}
            </button>
          </div>
        )}
        {view === 'sending' && <p role="status">{t('safety.sending')}</p>}
        {view === 'sent' && (
          <div className="stack">
            <p role="status">{t('safety.sent')}</p>
            {missingPosition && (
              <p className="notice notice-info" data-testid="sent-without-position">
                {t(missingPosition === 'denied' ? 'safety.sentWithoutPositionDenied' : 'safety.sentWithoutPositionYet')}
              </p>
            )}
            {missingPosition === 'denied' && <EmergencyCall />}
            {sent && <AlertCard alert={sent} />}
            <button type="button" className="button-secondary" onClick={close}>
              {t('common.close')}
            </button>
          </div>
        )}
        {view === 'queued' && (
          <div className="stack">
            {refusal ? (
              <p role="alert" className="notice notice-error">
                {t('safety.queuedRefused', { message: refusal.error.message })}
              </p>
            ) : (
              <p role="status" className="notice notice-info" data-testid="alert-queued-notice">
                {t('safety.queued')}
              </p>
            )}
            <EmergencyCall />
            <button type="button" className="button-secondary" onClick={close}>
              {t('common.close')}
            </button>
          </div>
        )}
      </dialog>
    </>
  );
}
