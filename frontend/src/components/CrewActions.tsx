import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { groupsApi, type Crew } from '../api/groups';
import { queryKeys } from '../api/queryKeys';
import { useAction } from '../api/useAction';
import { InlineError } from './status';

/** Join / request / open chat, depending on the crew's policy and my membership. Joining reads
 * the crews again wherever they are shown (and my crews, whose sockets bring alerts). */
export function CrewActions({ crew, onChange }: { crew: Crew; onChange?: () => void }) {
  const { t } = useTranslation();
  const { busy, error, run: runAction } = useAction([queryKeys.crews.all]);
  const [requested, setRequested] = useState(false);

  const run = (action: () => Promise<unknown>, after?: () => void) =>
    runAction(action, () => {
      after?.();
      onChange?.();
    });

  if (crew.my_role) {
    return (
      <div className="row wrap">
        <Link className="button" to={`/crews/${crew.id}/chat`}>
          {t('crew.openChat')} <span className="sr-only">{crew.name}</span>
        </Link>
        <Link to={`/crews/${crew.id}`}>{t('crew.manage')}</Link>
      </div>
    );
  }
  return (
    <div className="row wrap">
      {crew.join_policy === 'open' && (
        <button type="button" disabled={busy || crew.is_full} onClick={() => run(() => groupsApi.join(crew.id))}>
          {t('crew.join')} <span className="sr-only">{crew.name}</span>
        </button>
      )}
      {crew.join_policy === 'request' &&
        (requested ? (
          <p role="status" className="hint">{t('crew.requestSent')}</p>
        ) : (
          <button type="button" disabled={busy || crew.is_full} onClick={() => run(() => groupsApi.requestToJoin(crew.id, ''), () => setRequested(true))}>
            {t('crew.requestToJoin')} <span className="sr-only">{crew.name}</span>
          </button>
        ))}
      {crew.join_policy === 'invite' && <p className="hint">{t('crew.inviteOnly')}</p>}
      {crew.is_full && <p className="hint">{t('crew.full')}</p>}
      <Link to={`/crews/${crew.id}`}>{t('crew.details')}</Link>
      <InlineError error={error} />
    </div>
  );
}
