import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/http';
import i18n from '../i18n';
import en from '../i18n/en';

const isKnownRefusal = (code: string): code is keyof typeof en.apiErrors => Object.hasOwn(en.apiErrors, code);

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label ?? t('common.loading')}
    </p>
  );
}

/** What went wrong, in words: a feature not available yet, a network failure, or the API's refusal. */
export function errorText(error: unknown, t: (key: 'errors.unavailable' | 'errors.network' | 'errors.unknown' | 'errors.forbidden' | 'errors.signInAgain') => string): string {
  if (error instanceof ApiError) {
    if (error.isUnavailable) return t('errors.unavailable');
    if (error.status === 0) return t('errors.network');
    if (error.status === 401) return t('errors.signInAgain');
    if (error.status === 403 && !error.message) return t('errors.forbidden');
    // A refusal the SPA knows is said in the page's language; another one as the API put it.
    if (isKnownRefusal(error.code)) return i18n.t(`apiErrors.${error.code}`);
    return error.message || t('errors.unknown');
  }
  return t('errors.unknown');
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const unavailable = error instanceof ApiError && error.isUnavailable;
  return (
    <div className={`notice ${unavailable ? 'notice-info' : 'notice-error'}`} role="alert">
      <p>{errorText(error, t)}</p>
      {onRetry && !unavailable && (
        <button type="button" className="button-secondary" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function InlineError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="field-error" role="alert">
      {errorText(error, t)}
    </p>
  );
}
