import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { eventsApi, type CrewEvent, type RsvpStatus } from '../api/events';
import { groupsApi } from '../api/groups';
import { apiUrl } from '../config';
import { useAuth } from '../auth/AuthProvider';
import { useAsync } from '../components/useAsync';
import { ErrorState, InlineError, Loading } from '../components/status';
import { formatRange } from '../components/format';
import { PointMap } from '../map/PointMap';
import { CreateCrewForm } from '../components/CreateCrewForm';
import { CrewActions } from '../components/CrewActions';
import { ReportButton } from '../components/ReportButton';
import { useMembershipChanges } from '../notifications/NotificationsProvider';

function Rsvp({ event, onChange }: { event: CrewEvent; onChange: () => void }) {
  const { t } = useTranslation();
  const { user, signIn } = useAuth();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [position, setPosition] = useState<number | null>(null);
  const mine = useAsync(
    async (signal) => {
      if (!user || event.my_status !== 'waitlisted') return null;
      const page = await eventsApi.participants(event.id, 1, signal);
      return page.results.find((p) => p.user.username === user.username)?.waitlist_position ?? null;
    },
    [event.id, event.my_status, user?.username],
  );
  const waitlistPosition = position ?? mine.data ?? null;

  if (!user) {
    return (
      <button type="button" onClick={() => void signIn()}>
        {t('event.signInToJoin')}
      </button>
    );
  }
  const full = event.capacity !== null && event.going_count >= event.capacity;
  const choose = (status: RsvpStatus) => {
    setBusy(true);
    setError(null);
    eventsApi
      .join(event.id, status)
      .then((participation) => {
        setPosition(participation.waitlist_position);
        onChange();
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };
  const leave = () => {
    setBusy(true);
    setError(null);
    eventsApi
      .leave(event.id)
      .then(() => {
        setPosition(null);
        onChange();
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };
  return (
    <div className="rsvp" role="group" aria-label={t('event.rsvp')}>
      <p aria-live="polite">
        {event.my_status ? t(`rsvp.current.${event.my_status}`) : t('rsvp.none')}
        {event.my_status === 'waitlisted' && waitlistPosition ? ` ${t('rsvp.position', { position: waitlistPosition })}` : ''}
      </p>
      <div className="row wrap">
        {!full || event.my_status === 'going' ? (
          <button type="button" className="choice" aria-pressed={event.my_status === 'going'} disabled={busy} onClick={() => choose('going')}>
            {t('rsvp.going')}
          </button>
        ) : (
          <button type="button" className="choice" aria-pressed={event.my_status === 'waitlisted'} disabled={busy} onClick={() => choose('waitlisted')}>
            {t('rsvp.waitlist')}
          </button>
        )}
        <button type="button" className="choice" aria-pressed={event.my_status === 'interested'} disabled={busy} onClick={() => choose('interested')}>
          {t('rsvp.interested')}
        </button>
        {event.my_status && (
          <button type="button" className="button-secondary" disabled={busy} onClick={leave}>
            {t('rsvp.leave')}
          </button>
        )}
      </div>
      <InlineError error={error} />
    </div>
  );
}

function Participants({ eventId }: { eventId: string }) {
  const { t } = useTranslation();
  const { data, error, loading } = useAsync((signal) => eventsApi.participants(eventId, 1, signal), [eventId]);
  if (loading) return <Loading />;
  if (error) return <ErrorState error={error} />;
  if (!data?.results.length) return <p className="hint">{t('event.noParticipants')}</p>;
  return (
    <ul className="people">
      {data.results.map((p) => (
        <li key={p.id}>
          {p.user.display_name || p.user.username} <span className="tag">{t(`rsvp.status.${p.status}`)}</span>
          {p.waitlist_position ? ` #${p.waitlist_position}` : ''}
        </li>
      ))}
    </ul>
  );
}

function Crews({ eventId }: { eventId: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const crews = useAsync((signal) => groupsApi.list({ event_id: eventId }, signal), [eventId]);
  const [creating, setCreating] = useState(false);
  // "Request sent" turns into "Open chat" when an admin approves it.
  useMembershipChanges(crews.reload);
  return (
    <section aria-labelledby="crews-heading" className="panel">
      <h2 id="crews-heading">{t('event.crews')}</h2>
      {crews.loading && <Loading />}
      {crews.error ? <ErrorState error={crews.error} onRetry={crews.reload} /> : null}
      {crews.data && crews.data.results.length === 0 && <p className="hint">{t('event.noCrews')}</p>}
      <ul className="cards">
        {crews.data?.results.map((crew) => (
          <li key={crew.id} className="card">
            <Link to={`/crews/${crew.id}`} className="card-title">
              {crew.name}
            </Link>
            <p className="meta">
              {t('crew.memberCount', { count: crew.member_count, max: crew.max_members })} · {t(`crew.policies.${crew.join_policy}`)}
            </p>
            {crew.description && <p>{crew.description}</p>}
            <CrewActions crew={crew} onChange={crews.reload} />
          </li>
        ))}
      </ul>
      {creating ? (
        <CreateCrewForm eventId={eventId} onCreated={(crew) => navigate(`/crews/${crew.id}`)} />
      ) : (
        <button type="button" onClick={() => setCreating(true)}>
          {t('crew.createTitle')}
        </button>
      )}
    </section>
  );
}

export default function EventDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { user } = useAuth();
  const navigate = useNavigate();
  const { data: event, error, loading, reload } = useAsync((signal) => eventsApi.get(id, signal), [id, user?.username]);
  const [cancelError, setCancelError] = useState<unknown>(null);

  if (loading && !event) return <Loading />;
  if (error) return <ErrorState error={error} onRetry={reload} />;
  if (!event) return null;
  const organizer = user?.username === event.organizer.username;
  return (
    <article className="event-detail">
      <div className="event-main">
        <header className="panel">
          <p className="meta">
            <span className={`tag tag-${event.event_type}`}>{t(`eventType.${event.event_type}`)}</span>
            {event.status === 'cancelled' && <span className="tag tag-danger">{t('event.cancelled')}</span>}
          </p>
          <h1>{event.title}</h1>
          <p>{formatRange(event.starts_at, event.ends_at)}</p>
          <p>
            {[event.venue_name, event.address].filter(Boolean).join(', ')}
          </p>
          <p className="meta">{t('event.organizedBy', { name: event.organizer.display_name || event.organizer.username })}</p>
          <p className="meta">
            {t('event.goingCount', { count: event.going_count })}
            {event.capacity !== null && ` / ${event.capacity}`} · {t('event.interestedCount', { count: event.interested_count })}
            {event.waitlist_count > 0 && ` · ${t('event.waitlistCount', { count: event.waitlist_count })}`}
          </p>
          {event.description && <p className="description">{event.description}</p>}
          {event.status !== 'cancelled' && <Rsvp event={event} onChange={reload} />}
          <div className="row wrap">
            <a href={apiUrl(eventsApi.calendarPath(event.id))} download={`crewup-${event.id}.ics`}>
              {t('event.addToCalendar')}
            </a>
            {organizer && <Link to={`/events/${event.id}/edit`}>{t('event.edit')}</Link>}
            {organizer && event.status !== 'cancelled' && (
              <button
                type="button"
                className="button-danger"
                onClick={() => {
                  if (!window.confirm(t('event.cancelConfirm'))) return;
                  eventsApi.cancel(event.id).then(reload).catch(setCancelError);
                }}
              >
                {t('event.cancel')}
              </button>
            )}
            {user && !organizer && <ReportButton target="event" id={event.id} />}
          </div>
          <InlineError error={cancelError} />
        </header>
        {user && (
          <section className="panel" aria-labelledby="participants-heading">
            <h2 id="participants-heading">{t('event.participants')}</h2>
            <Participants eventId={event.id} />
          </section>
        )}
        {user ? (
          <Crews eventId={event.id} />
        ) : (
          <p className="hint">{t('event.signInForCrews')}</p>
        )}
      </div>
      <aside className="event-aside">
        <PointMap point={event.location} fallback={event.location} label={t('event.mapLabel', { title: event.title })} />
        <button type="button" className="button-link" onClick={() => navigate(-1)}>
          {t('common.back')}
        </button>
      </aside>
    </article>
  );
}
