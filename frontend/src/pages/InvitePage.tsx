import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { groupsApi } from '../api/groups';
import { queryKeys } from '../api/queryKeys';
import { ErrorState, Loading } from '../components/status';

/** An invite link (`/invite/<token>`): join the crew it opens, then go to it. */
export default function InvitePage() {
  const { token = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);
  const queryClient = useQueryClient();
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    groupsApi
      .joinByInvite(token)
      .then((membership) => {
        // A crew of mine more: my crews (and their sockets, for alerts) are read again.
        void queryClient.invalidateQueries({ queryKey: queryKeys.crews.all });
        navigate(`/crews/${membership.group_id}`, { replace: true });
      })
      .catch(setError);
  }, [token, navigate, queryClient]);
  return (
    <section className="panel narrow">
      <h1>{t('invite.title')}</h1>
      {error ? (
        <>
          <ErrorState error={error} />
          <Link to="/crews">{t('crews.title')}</Link>
        </>
      ) : (
        <Loading label={t('invite.joining')} />
      )}
    </section>
  );
}
