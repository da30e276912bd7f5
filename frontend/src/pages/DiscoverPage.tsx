import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { EVENT_TYPES, eventsApi, type CrewEvent, type LatLng } from '../api/events';
import { queryKeys } from '../api/queryKeys';
import { EventsMap, type MapBox } from '../map/EventsMap';
import { CITIES, DEFAULT_CITY, distanceKm } from '../map/cities';
import { ErrorState } from '../components/status';
import { formatDateTime, formatKm } from '../components/format';
import { buildEventQuery, centerOf, DISTANCE_OPTIONS, movedAway, filtersFromParams, paramsFromFilters, WHEN_OPTIONS, type DiscoverFilters } from './discoverQuery';
import { rememberPosition, rememberPositionError } from '../safety/position';
import { useAuth } from '../auth/AuthProvider';

/** An event's kind and start, as the list and the pin's preview show them. */
function KindAndTime({ event }: { event: CrewEvent }) {
  const { t } = useTranslation();
  return (
    <p className="meta">
      <span className={`tag tag-${event.event_type}`}>{t(`eventType.${event.event_type}`)}</span> {formatDateTime(event.starts_at)}
    </p>
  );
}

/** The event a pin stands for, over the map: what, when, how many go; its title opens it. */
function EventPreview({ event, onClose }: { event: CrewEvent; onClose: () => void }) {
  const { t } = useTranslation();
  const title = useRef<HTMLAnchorElement>(null);
  useEffect(() => title.current?.focus(), [event.id]);
  return (
    <section className="map-preview" aria-label={t('discover.preview')} data-testid="map-preview" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <Link ref={title} to={`/events/${event.id}`} className="card-title">
        {event.title}
      </Link>
      <KindAndTime event={event} />
      <p className="meta">
        {event.venue_name || event.address} · {t('event.goingCount', { count: event.going_count })}
      </p>
      <button type="button" className="button-link map-preview-close" onClick={onClose}>
        {t('common.close')}
      </button>
    </section>
  );
}

/** Signed out, the first screen says what CrewUp is before it shows the events. */
function Intro() {
  const { t } = useTranslation();
  const { signIn } = useAuth();
  return (
    <section className="intro" aria-labelledby="intro-heading">
      <h1 id="intro-heading">{t('intro.title')}</h1>
      <p className="intro-lead">{t('intro.lead')}</p>
      <h2 className="sr-only">{t('intro.steps')}</h2>
      <ol className="intro-steps">
        <li>
          <strong>{t('intro.findTitle')}</strong> {t('intro.find')}
        </li>
        <li>
          <strong>{t('intro.crewTitle')}</strong> {t('intro.crew')}
        </li>
        <li>
          <strong>{t('intro.safeTitle')}</strong> {t('intro.safe')}
        </li>
      </ol>
      <p className="intro-promise">{t('intro.promise')}</p>
      <div className="row wrap intro-actions">
        <button type="button" onClick={() => void signIn()}>
          {t('intro.signIn')}
        </button>
        <span className="hint">{t('intro.browse')}</span>
      </div>
    </section>
  );
}

declare global {
  interface Window {
    /** Set when Discover first shows its results, for the end-to-end timing. */
    __crewupDiscoverRendered?: number;
  }
}

export function DiscoverPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const [text, setText] = useState(filters.q);
  const [here, setHere] = useState<LatLng | null>(null);
  const [locating, setLocating] = useState<'idle' | 'asking' | 'denied'>('idle');
  const [box, setBox] = useState<MapBox | null>(null);

  const city = CITIES.find((c) => c.id === filters.place) ?? DEFAULT_CITY;
  const center = filters.place === 'here' && here ? here : city.at;
  const centerKey = `${center.lat},${center.lng}`;
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const stableCenter = useMemo(() => center, [centerKey]);

  const update = useCallback(
    (change: Partial<DiscoverFilters>) => setParams(paramsFromFilters({ ...filters, ...change }), { replace: true }),
    [filters, setParams],
  );

  // Text search waits for a pause in typing.
  useEffect(() => {
    if (text === filters.q) return;
    const timer = setTimeout(() => update({ q: text }), 300);
    return () => clearTimeout(timer);
  }, [text, filters.q, update]);

  const locate = useCallback(() => {
    if (!('geolocation' in navigator)) {
      setLocating('denied');
      return;
    }
    setLocating('asking');
    navigator.geolocation.getCurrentPosition(
      (position) => {
        // Also the last known position, at hand for a safety alert.
        rememberPosition(position);
        setHere({ lat: position.coords.latitude, lng: position.coords.longitude });
        setLocating('idle');
      },
      (error) => {
        rememberPositionError(error);
        setLocating('denied');
      },
      { timeout: 10_000, maximumAge: 300_000 },
    );
  }, []);

  useEffect(() => {
    if (filters.place === 'here' && !here && locating === 'idle') locate();
  }, [filters.place, here, locating, locate]);

  const query = useMemo(() => buildEventQuery(filters, stableCenter), [filters, stableCenter]);
  const searchedCenter = filters.area ? centerOf(filters.area) : stableCenter;
  const offerArea = box !== null && movedAway(box, searchedCenter, distanceKm);
  // Typing and choosing settle for a moment before the events are asked for; what was shown
  // stays until they come.
  const [asked, setAsked] = useState(query);
  const queryKey = JSON.stringify(query);
  useEffect(() => {
    const timer = setTimeout(() => setAsked(query), 150);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queryKey]);
  const listing = useQuery({
    queryKey: queryKeys.events.list(asked),
    queryFn: ({ signal }) => eventsApi.list(asked, signal),
    placeholderData: keepPreviousData,
  });
  const result = listing.data ?? null;
  const error = listing.error;
  const loading = !result || listing.isFetching || JSON.stringify(asked) !== queryKey;

  useEffect(() => {
    if (!listing.isSuccess || window.__crewupDiscoverRendered !== undefined) return;
    requestAnimationFrame(() => {
      window.__crewupDiscoverRendered ??= performance.now();
      performance.mark('crewup:discover-rendered');
    });
  }, [listing.isSuccess]);

  const events = useMemo(() => result?.results ?? [], [result]);
  // A pin opens a preview over the map (and marks the event in the list); its title opens the event.
  const [selected, setSelected] = useState<string | null>(null);
  const open = useCallback((id: string) => setSelected(id), []);
  const preview = events.find((event) => event.id === selected) ?? null;
  const listHeading = useRef<HTMLHeadingElement>(null);

  return (
    <div className="discover">
      {user ? <h1 className="sr-only">{t('discover.title')}</h1> : <Intro />}
      {!user && <h2 className="sr-only">{t('discover.title')}</h2>}
      <form className="filters" role="search" aria-label={t('discover.filters')} onSubmit={(e) => { e.preventDefault(); update({ q: text }); }}>
        <div className="field grow">
          <label htmlFor="q">{t('discover.search')}</label>
          <input id="q" type="search" value={text} placeholder={t('discover.searchPlaceholder')} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="place">{t('discover.place')}</label>
          <select id="place" value={filters.place || DEFAULT_CITY.id} onChange={(e) => update({ place: e.target.value === DEFAULT_CITY.id ? '' : e.target.value, area: null })}>
            <option value="here">{t('discover.myLocation')}</option>
            {CITIES.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="type">{t('discover.type')}</label>
          <select id="type" value={filters.type} onChange={(e) => update({ type: e.target.value as DiscoverFilters['type'] })}>
            <option value="">{t('discover.anyType')}</option>
            {EVENT_TYPES.map((type) => (
              <option key={type} value={type}>
                {t(`eventType.${type}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="when">{t('discover.when')}</label>
          <select id="when" value={filters.when} onChange={(e) => update({ when: e.target.value as DiscoverFilters['when'] })}>
            {WHEN_OPTIONS.map((when) => (
              <option key={when} value={when}>
                {t(`when.${when}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="km">{t('discover.distance')}</label>
          <select id="km" value={filters.km} onChange={(e) => update({ km: Number(e.target.value), area: null })}>
            {DISTANCE_OPTIONS.map((km) => (
              <option key={km} value={km}>
                {t('discover.withinKm', { km })}
              </option>
            ))}
          </select>
        </div>
      </form>
      {filters.place === 'here' && locating === 'asking' && <p role="status">{t('discover.locating')}</p>}
      {filters.place === 'here' && locating === 'denied' && (
        <p className="notice notice-info" role="status">
          {t('discover.locationDenied', { city: DEFAULT_CITY.name })}
        </p>
      )}
      <div className="discover-body">
        <div className="discover-map">
          {(offerArea || filters.area) && (
            <div className="map-area-actions">
              {offerArea && (
                <button type="button" className="button-small" onClick={() => box && update({ area: box })}>
                  {t('discover.searchThisArea')}
                </button>
              )}
              {filters.area && (
                <button type="button" className="button-small button-secondary" onClick={() => update({ area: null })}>
                  {t('discover.backToPlace', { place: filters.place === 'here' ? t('discover.myLocation') : city.name, km: filters.km })}
                </button>
              )}
            </div>
          )}
          <EventsMap center={stableCenter} zoom={12} radiusKm={filters.area ? null : filters.km} events={events} onBoxChange={setBox} onOpen={open} />
          {preview && <EventPreview event={preview} onClose={() => setSelected(null)} />}
        </div>
        <section className="event-list" aria-labelledby="results-heading" aria-busy={loading}>
          <h2 id="results-heading" ref={listHeading} aria-live="polite">
            {result ? t('discover.count', { count: result.count }) : t('common.loading')}
          </h2>
          {error ? <ErrorState error={error} onRetry={() => void listing.refetch()} /> : null}
          {result && result.count > events.length && <p className="hint">{t('discover.more', { shown: events.length, count: result.count })}</p>}
          {result && events.length === 0 && !error && <p className="hint">{t('discover.empty')}</p>}
          <ul className="cards" data-testid="event-list">
            {events.map((event) => {
              const km = event.distance_km ?? distanceKm(center, event.location);
              return (
                <li key={event.id} className={event.id === selected ? 'card card-selected' : 'card'} aria-current={event.id === selected ? 'true' : undefined}>
                  <Link to={`/events/${event.id}`} className="card-title">
                    {event.title}
                  </Link>
                  <KindAndTime event={event} />
                  <p className="meta">
                    {event.venue_name || event.address} · {t('discover.kmAway', { km: formatKm(km) })}
                  </p>
                  <p className="meta">{t('event.goingCount', { count: event.going_count })}</p>
                </li>
              );
            })}
          </ul>
        </section>
      </div>
    </div>
  );
}
