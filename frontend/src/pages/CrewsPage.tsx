import { Link } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import { groupsApi } from '../api/groups';
import { queryKeys } from '../api/queryKeys';
import { ErrorState, Loading } from '../components/status';
import { formatDateTime } from '../components/format';

export default function CrewsPage() {
  const { t } = useTranslation();
  // A request approved (or a removal) elsewhere shows here at once: the socket's frame
  // invalidates my crews (NotificationsProvider).
  const { data, error, isPending, refetch } = useQuery({ queryKey: queryKeys.crews.mine(), queryFn: ({ signal }) => groupsApi.list({ mine: true }, signal) });
  return (
    <section className="panel">
      <h1>{t('crews.title')}</h1>
      <p className="hint">{t('crews.howToJoin')}</p>
      {isPending && <Loading />}
      {error ? <ErrorState error={error} onRetry={() => void refetch()} /> : null}
      {data && data.results.length === 0 && (
        <p>
          {t('crews.none')} <Link to="/">{t('crews.findEvents')}</Link>
        </p>
      )}
      <ul className="cards">
        {data?.results.map((crew) => (
          <li key={crew.id} className="card">
            <Link to={`/crews/${crew.id}`} className="card-title">
              {crew.name}
            </Link>
            <p className="meta">
              <Link to={`/events/${crew.event.id}`}>{crew.event.title}</Link> · {formatDateTime(crew.event.starts_at)}
            </p>
            <p className="meta">
              {t('crew.memberCount', { count: crew.member_count, max: crew.max_members })} · {crew.my_role && t(`crew.roles.${crew.my_role}`)}
            </p>
            <Link className="button" to={`/crews/${crew.id}/chat`}>
              {t('crew.openChat')} <span className="sr-only">{crew.name}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
