import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { eventsApi, type CrewEvent, type RsvpStatus } from '../api/events';
import { groupsApi } from '../api/groups';
import { queryKeys } from '../api/queryKeys';
import { apiUrl } from '../config';
import { useAuth } from '../auth/AuthProvider';
import { ErrorState, InlineError, Loading } from '../components/status';
import { formatRange } from '../components/format';
import { PointMap } from '../map/PointMap';
import { CreateCrewForm } from '../components/CreateCrewForm';
import { CrewActions } from '../components/CrewActions';
import { ReportButton } from '../components/ReportButton';

/** An event's participants, read once for the list and for my place on its waitlist. */
function useParticipants(eventId: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.events.participants(eventId),
    queryFn: ({ signal }) => eventsApi.participants(eventId, 1, signal),
    enabled,
  });
}

/** My answer to an event: the event (counts, my status) is read again wherever it is shown,
 * its detail and the lists on Discover. */
function useRsvp(eventId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (status: RsvpStatus | null) => (status ? eventsApi.join(eventId, status) : eventsApi.leave(eventId).then(() => null)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.events.all }),
  });
}

function Rsvp({ event }: { event: CrewEvent }) {
  const { t } = useTranslation();
  const { user, signIn } = useAuth();
  const rsvp = useRsvp(event.id);
  const busy = rsvp.isPending;
  const error = rsvp.error;
  const [position, setPosition] = useState<number | null>(null);
  const participants = useParticipants(event.id, Boolean(user) && event.my_status === 'waitlisted');
  const mine = participants.data?.results.find((p) => p.user.username === user?.username)?.waitlist_position ?? null;
  const waitlistPosition = position ?? mine;

  if (!user) {
    return (
      <button type="button" onClick={() => void signIn()}>
        {t('event.signInToJoin')}
      </button>
    );
  }
  const full = event.capacity !== null && event.going_count >= event.capacity;
  const choose = (status: RsvpStatus) => rsvp.mutate(status, { onSuccess: (participation) => setPosition(participation?.waitlist_position ?? null) });
  const leave = () => rsvp.mutate(null, { onSuccess: () => setPosition(null) });
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
  const { data, error, isPending } = useParticipants(eventId);
  if (isPending) return <Loading />;
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
  // "Request sent" turns into "Open chat" when an admin approves it: the socket's frame
  // invalidates the crews (NotificationsProvider).
  const crews = useQuery({ queryKey: queryKeys.crews.forEvent(eventId), queryFn: ({ signal }) => groupsApi.list({ event_id: eventId }, signal) });
  const [creating, setCreating] = useState(false);
  return (
    <section aria-labelledby="crews-heading" className="panel">
      <h2 id="crews-heading">{t('event.crews')}</h2>
      {crews.isPending && <Loading />}
      {crews.error ? <ErrorState error={crews.error} onRetry={() => void crews.refetch()} /> : null}
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
            <CrewActions crew={crew} />
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
  const queryClient = useQueryClient();
  const { data: event, error, isPending, refetch } = useQuery({ queryKey: queryKeys.events.detail(id), queryFn: ({ signal }) => eventsApi.get(id, signal) });
  const cancel = useMutation({
    mutationFn: (eventId: string) => eventsApi.cancel(eventId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.events.all }),
  });

  if (isPending) return <Loading />;
  if (!event) return <ErrorState error={error} onRetry={() => void refetch()} />;
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
          {event.status !== 'cancelled' && <Rsvp event={event} />}
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
                  cancel.mutate(event.id);
                }}
              >
                {t('event.cancel')}
              </button>
            )}
            {user && !organizer && <ReportButton target="event" id={event.id} />}
          </div>
          <InlineError error={cancel.error} />
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
