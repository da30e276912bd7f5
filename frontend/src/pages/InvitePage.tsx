import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { groupsApi } from '../api/groups';
import { ErrorState, Loading } from '../components/status';

/** An invite link (`/invite/<token>`): join the crew it opens, then go to it. */
export default function InvitePage() {
  const { token = '' } = useParams();
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    groupsApi
      .joinByInvite(token)
      .then((membership) => navigate(`/crews/${membership.group_id}`, { replace: true }))
      .catch(setError);
  }, [token, navigate]);
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
