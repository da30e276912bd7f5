import { useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { EVENT_TYPES, eventsApi, type EventInput, type EventType, type LatLng } from '../api/events';
import { ApiError } from '../api/http';
import { queryKeys } from '../api/queryKeys';
import { PointMap } from '../map/PointMap';
import { DEFAULT_CITY } from '../map/cities';
import { ErrorState, InlineError, Loading } from '../components/status';
import { VenueField } from '../components/VenueField';
import { fromLocalInput, toLocalInput } from '../components/format';

interface FormState {
  title: string;
  event_type: EventType;
  description: string;
  starts: string;
  ends: string;
  venue_name: string;
  address: string;
  capacity: string;
  visibility: 'public' | 'private';
  location: LatLng | null;
}

// The API's field names, in the form's order, and the control that takes each (focus goes to
// the first one with an error).
const CONTROLS: [field: string, control: string][] = [
  ['title', 'title'],
  ['starts_at', 'starts'],
  ['ends_at', 'ends'],
  ['venue_name', 'venue_name'],
  ['address', 'address'],
  ['capacity', 'capacity'],
  ['visibility', 'visibility'],
  ['description', 'description'],
  ['location', 'lat'],
];

/** Every mistake the form can see before asking the server, at once (field → messages). */
function problems(form: FormState, t: TFunction): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  if (!form.title.trim()) found.title = [t('eventForm.required')];
  if (!form.starts) found.starts_at = [t('eventForm.required')];
  if (!form.ends) found.ends_at = [t('eventForm.required')];
  else if (form.starts && new Date(form.ends) <= new Date(form.starts)) found.ends_at = [t('eventForm.endsAfterStarts')];
  const capacity = Number(form.capacity);
  if (form.capacity && !(Number.isInteger(capacity) && capacity >= 1 && capacity <= 100000)) found.capacity = [t('eventForm.capacityRange')];
  if (!form.location) found.location = [t('eventForm.pickLocation')];
  return found;
}

function defaults(): FormState {
  const start = new Date(Date.now() + 86_400_000);
  start.setMinutes(0, 0, 0);
  start.setHours(19);
  const end = new Date(start.getTime() + 3 * 3_600_000);
  return {
    title: '',
    event_type: 'bar',
    description: '',
    starts: toLocalInput(start),
    ends: toLocalInput(end),
    venue_name: '',
    address: '',
    capacity: '',
    visibility: 'public',
    location: null,
  };
}

export default function EventFormPage() {
  const { id } = useParams();
  const editing = Boolean(id);
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [form, setForm] = useState<FormState>(defaults);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // After a refused submit, the first field with an error gets the focus (its message is read
  // with it: aria-describedby), so that the user starts where the form needs them.
  useEffect(() => {
    if (!(error instanceof ApiError)) return;
    const first = CONTROLS.find(([field]) => error.fieldError(field));
    if (first) formRef.current?.querySelector<HTMLElement>(`#${first[1]}`)?.focus();
  }, [error]);
  const queryClient = useQueryClient();
  // The event as the detail page has it (read once more if it is old); the form starts from it
  // once, and a later read of it does not overwrite what is being typed.
  const existing = useQuery({
    queryKey: queryKeys.events.detail(id ?? ''),
    queryFn: ({ signal }) => eventsApi.get(id ?? '', signal),
    enabled: editing,
    refetchOnWindowFocus: false,
  });
  const event = existing.data;
  const filled = useRef(false);
  const loading = editing && !filled.current && (existing.isPending || Boolean(event));
  const loadError = filled.current ? null : existing.error;

  useEffect(() => {
    if (!event || filled.current) return;
    filled.current = true;
    setForm({
      title: event.title,
      event_type: event.event_type,
      description: event.description,
      starts: toLocalInput(event.starts_at),
      ends: toLocalInput(event.ends_at),
      venue_name: event.venue_name,
      address: event.address,
      capacity: event.capacity === null ? '' : String(event.capacity),
      visibility: event.visibility,
      location: event.location,
    });
  }, [event]);

  if (loading) return <Loading />;
  if (loadError) return <ErrorState error={loadError} />;

  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  const describedBy = (name: string) => (fieldError(name) ? `${name}-error` : undefined);
  const FieldError = ({ name }: { name: string }) =>
    fieldError(name) ? (
      <p className="field-error" id={`${name}-error`}>
        {fieldError(name)}
      </p>
    ) : null;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const found = problems(form, t);
    if (Object.keys(found).length > 0 || !form.location) {
      setError(new ApiError(400, 'invalid', t('eventForm.fixErrors'), found));
      return;
    }
    const input: EventInput = {
      title: form.title,
      event_type: form.event_type,
      description: form.description,
      starts_at: fromLocalInput(form.starts),
      ends_at: fromLocalInput(form.ends),
      venue_name: form.venue_name,
      address: form.address,
      capacity: form.capacity ? Number(form.capacity) : null,
      visibility: form.visibility,
      location: form.location,
    };
    setBusy(true);
    setError(null);
    (id ? eventsApi.update(id, input) : eventsApi.create(input))
      .then((saved) => {
        // Its detail shows what was saved at once; the lists (Discover, its crews) read it again.
        queryClient.setQueryData(queryKeys.events.detail(saved.id), saved);
        void queryClient.invalidateQueries({ queryKey: queryKeys.events.lists() });
        void queryClient.invalidateQueries({ queryKey: queryKeys.crews.lists() });
        navigate(`/events/${saved.id}`);
      })
      .catch(setError)
      .finally(() => setBusy(false));
  };

  return (
    <form className="event-form" ref={formRef} onSubmit={submit} noValidate>
      <h1>{editing ? t('eventForm.editTitle') : t('eventForm.newTitle')}</h1>
      <div className="event-form-grid">
        <div className="stack">
          <div className="field">
            <label htmlFor="title">{t('eventForm.title')}</label>
            <input id="title" required maxLength={200} value={form.title} aria-describedby={describedBy('title')} onChange={(e) => set('title', e.target.value)} />
            <FieldError name="title" />
          </div>
          <div className="field">
            <label htmlFor="event_type">{t('eventForm.type')}</label>
            <select id="event_type" value={form.event_type} onChange={(e) => set('event_type', e.target.value as EventType)}>
              {EVENT_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t(`eventType.${type}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="row wrap">
            <div className="field">
              <label htmlFor="starts">{t('eventForm.starts')}</label>
              <input id="starts" type="datetime-local" required value={form.starts} aria-describedby={describedBy('starts_at')} onChange={(e) => set('starts', e.target.value)} />
              <FieldError name="starts_at" />
            </div>
            <div className="field">
              <label htmlFor="ends">{t('eventForm.ends')}</label>
              <input id="ends" type="datetime-local" required value={form.ends} aria-describedby={describedBy('ends_at')} onChange={(e) => set('ends', e.target.value)} />
              <FieldError name="ends_at" />
            </div>
          </div>
          <div className="field">
            <label htmlFor="venue_name">{t('eventForm.venue')}</label>
            <VenueField
              id="venue_name"
              value={form.venue_name}
              near={form.location ?? DEFAULT_CITY.at}
              describedBy={describedBy('venue_name') ? `venue-hint ${describedBy('venue_name')}` : 'venue-hint'}
              onChange={(value) => set('venue_name', value)}
              onPick={(place) => setForm((f) => ({ ...f, venue_name: place.name, address: place.address, location: place.location }))}
            />
            <p className="hint" id="venue-hint">
              {t('eventForm.venueHint')}
            </p>
            <FieldError name="venue_name" />
          </div>
          <div className="field">
            <label htmlFor="address">{t('eventForm.address')}</label>
            <input id="address" maxLength={300} value={form.address} aria-describedby={describedBy('address')} onChange={(e) => set('address', e.target.value)} />
            <FieldError name="address" />
          </div>
          <div className="row wrap">
            <div className="field">
              <label htmlFor="capacity">{t('eventForm.capacity')}</label>
              <input id="capacity" type="number" min={1} max={100000} value={form.capacity} aria-describedby={describedBy('capacity') ? `capacity-hint ${describedBy('capacity')}` : 'capacity-hint'} onChange={(e) => set('capacity', e.target.value)} />
              <p className="hint" id="capacity-hint">
                {t('eventForm.capacityHint')}
              </p>
              <FieldError name="capacity" />
            </div>
            <div className="field">
              <label htmlFor="visibility">{t('eventForm.visibility')}</label>
              <select id="visibility" value={form.visibility} onChange={(e) => set('visibility', e.target.value as FormState['visibility'])}>
                <option value="public">{t('eventForm.public')}</option>
                <option value="private">{t('eventForm.private')}</option>
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor="description">{t('eventForm.description')}</label>
            <textarea id="description" rows={4} maxLength={5000} value={form.description} aria-describedby={describedBy('description')} onChange={(e) => set('description', e.target.value)} />
            <FieldError name="description" />
          </div>
        </div>
        <fieldset className="location-picker">
          <legend>{t('eventForm.location')}</legend>
          <p className="hint" id="location-hint">
            {t('eventForm.locationHint')}
          </p>
          <PointMap
            point={form.location}
            fallback={DEFAULT_CITY.at}
            zoom={12}
            kind="picked"
            label={t('eventForm.locationMap')}
            onPick={(point) => set('location', point)}
            className="map-picker"
          />
          <div className="row wrap">
            <div className="field">
              <label htmlFor="lat">{t('eventForm.lat')}</label>
              <input
                id="lat"
                type="number"
                step="any"
                min={-90}
                max={90}
                value={form.location?.lat ?? ''}
                onChange={(e) => set('location', e.target.value === '' ? null : { lat: Number(e.target.value), lng: form.location?.lng ?? DEFAULT_CITY.at.lng })}
              />
            </div>
            <div className="field">
              <label htmlFor="lng">{t('eventForm.lng')}</label>
              <input
                id="lng"
                type="number"
                step="any"
                min={-180}
                max={180}
                value={form.location?.lng ?? ''}
                onChange={(e) => set('location', e.target.value === '' ? null : { lat: form.location?.lat ?? DEFAULT_CITY.at.lat, lng: Number(e.target.value) })}
              />
            </div>
          </div>
          <FieldError name="location" />
        </fieldset>
      </div>
      {error && !(error instanceof ApiError && Object.keys(error.fields).length) ? <InlineError error={error} /> : null}
      {error instanceof ApiError && Object.keys(error.fields).length > 0 && (
        <p className="field-error" role="alert">
          {t('eventForm.fixErrors')}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {editing ? t('eventForm.save') : t('eventForm.create')}
        </button>
        <button type="button" className="button-secondary" onClick={() => navigate(-1)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
