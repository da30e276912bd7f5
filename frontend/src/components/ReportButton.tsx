import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { moderationApi, type ReportTarget } from '../api/moderation';
import { InlineError } from './status';

/** "Report" with a reason, for a user, an event, a crew or a message. */
export function ReportButton({ target, id, label }: { target: ReportTarget; id: string; label?: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<unknown>(null);
  const fieldId = useId();

  if (state === 'sent') return <p role="status" className="hint">{t('report.thanks')}</p>;
  if (!open) {
    return (
      <button type="button" className="button-link" onClick={() => setOpen(true)}>
        {label ?? t('report.open')}
      </button>
    );
  }
  return (
    <form
      className="report-form"
      onSubmit={(e) => {
        e.preventDefault();
        setState('sending');
        setError(null);
        moderationApi
          .report({ target_type: target, target_id: id, reason })
          .then(() => setState('sent'))
          .catch((caught: unknown) => {
            setError(caught);
            setState('idle');
          });
      }}
    >
      <label htmlFor={fieldId}>{t('report.reason', { target: t(`report.target.${target}`) })}</label>
      <textarea id={fieldId} required minLength={10} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
      <InlineError error={error} />
      <div className="row">
        <button type="submit" disabled={state === 'sending'}>
          {t('report.send')}
        </button>
        <button type="button" className="button-secondary" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
