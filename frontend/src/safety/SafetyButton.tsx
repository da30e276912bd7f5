import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RAISABLE_ALERT_TYPES, type RaisableAlertType } from '../api/safety';
import type { LatLng } from '../api/events';
import { HoldButton } from './HoldButton';
import { useSafety } from './SafetyProvider';
import { ErrorState } from '../components/status';
import { AlertCard } from './AlertBanners';

export const HOLD_MS = 1500;
export const COUNTDOWN_S = 5;

type Stage = 'form' | 'countdown' | 'sending' | 'sent';

function currentPosition(): Promise<LatLng | null> {
  if (!('geolocation' in navigator)) return Promise.resolve(null);
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lng: p.coords.longitude }),
      () => resolve(null),
      { timeout: 8000, maximumAge: 60_000, enableHighAccuracy: true },
    );
  });
}

/** The safety button on every screen: choose crews, type and message, hold to confirm, and a
 * countdown during which it can still be cancelled. */
/** The most crews one alert may go to (the safety API's limit). */
const MAX_ALERT_CREWS = 10;

export function SafetyButton() {
  const { t } = useTranslation();
  const { crews, raise, alerts, unavailable, refreshCrews } = useSafety();
  const dialog = useRef<HTMLDialogElement>(null);
  const [stage, setStage] = useState<Stage>('form');
  const [selected, setSelected] = useState<string[] | null>(null);
  const [alertType, setAlertType] = useState<RaisableAlertType>('help');
  const [message, setMessage] = useState('');
  const [countdown, setCountdown] = useState(COUNTDOWN_S);
  const [error, setError] = useState<unknown>(null);
  const [noLocation, setNoLocation] = useState(false);
  const [sentId, setSentId] = useState<string | null>(null);
  // By default the alert goes to your newest crews (the API takes up to MAX_ALERT_CREWS at once).
  const chosen = selected ?? crews.slice(0, MAX_ALERT_CREWS).map((c) => c.id);
  const sent = alerts.find((a) => a.id === sentId) ?? null;

  const open = () => {
    refreshCrews();
    setStage(sent && sent.status === 'open' ? 'sent' : 'form');
    setError(null);
    setNoLocation(false);
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
      void (async () => {
        try {
          // The API takes no alert without a position: say so rather than send one it refuses.
          const location = await currentPosition();
          if (!location) {
            setNoLocation(true);
            setStage('form');
            return;
          }
          setNoLocation(false);
          const alert = await raise({ group_ids: chosen, alert_type: alertType, message, location });
          setSentId(alert.id);
          setStage('sent');
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
      <button type="button" className="safety-fab" onClick={open} aria-haspopup="dialog">
        <span aria-hidden="true">⚠</span> {t('safety.button')}
      </button>
      <dialog ref={dialog} className="safety-dialog" aria-labelledby="safety-title" onClose={() => stage === 'countdown' && setStage('form')}>
        <h2 id="safety-title">{t('safety.title')}</h2>
        {unavailable && <p className="notice notice-info" role="status">{t('errors.safetyUnavailable')}</p>}
        {stage === 'form' && (
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
            {noLocation && (
              <p className="notice notice-error" role="alert">
                {t('safety.noLocation')}
              </p>
            )}
            {error ? <ErrorState error={error} /> : null}
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
        {stage === 'countdown' && (
          <div className="stack countdown">
            <p role="timer" aria-live="assertive" className="countdown-number">
              {t('safety.sendingIn', { count: countdown })}
            </p>
            <button type="button" className="button-large" autoFocus onClick={() => setStage('form')}>
              {t('safety.cancelSend')}
            </button>
          </div>
        )}
        {stage === 'sending' && <p role="status">{t('safety.sending')}</p>}
        {stage === 'sent' && (
          <div className="stack">
            <p role="status">{t('safety.sent')}</p>
            {sent && <AlertCard alert={sent} />}
            <button type="button" className="button-secondary" onClick={close}>
              {t('common.close')}
            </button>
          </div>
        )}
      </dialog>
    </>
  );
}
