import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { eventsApi, type LatLng, type Place } from '../api/events';

/** How long typing must pause before the field searches. */
export const VENUE_SEARCH_DELAY_MS = 250;
const MIN_QUERY_LENGTH = 2;
const MAX_QUERY_LENGTH = 100;

interface Props {
  id: string;
  value: string;
  /** Where the search ranks the nearer of equal matches first (the picked point, or the city). */
  near: LatLng | null;
  onChange: (value: string) => void;
  /** A place was chosen from the list. */
  onPick: (place: Place) => void;
  describedBy?: string;
}

/** The venue's name, with places to pick as you type: an ARIA 1.2 combobox with a listbox
 * (arrows move, Enter picks, Escape closes). Any name may still be typed and kept. */
export function VenueField({ id, value, near, onChange, onPick, describedBy }: Props) {
  const { t } = useTranslation();
  const listId = useId();
  const [places, setPlaces] = useState<Place[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searched, setSearched] = useState(false);
  // Search only for what the user typed, not for a name a pick filled in.
  const [query, setQuery] = useState('');
  const nearRef = useRef(near);
  nearRef.current = near;

  useEffect(() => {
    const text = query.trim();
    if (text.length < MIN_QUERY_LENGTH || text.length > MAX_QUERY_LENGTH) {
      setPlaces([]);
      setSearched(false);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      eventsApi
        .places(text, nearRef.current, controller.signal)
        .then((found) => {
          setPlaces(found);
          setActive(-1);
          setSearched(true);
          setOpen(true);
        })
        .catch(() => {
          // The field still takes any name; a failed search only offers nothing.
          if (!controller.signal.aborted) setPlaces([]);
        });
    }, VENUE_SEARCH_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  const pick = (place: Place) => {
    onPick(place);
    setQuery('');
    setPlaces([]);
    setOpen(false);
    setActive(-1);
  };

  const expanded = open && searched;
  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!places.length) return;
      e.preventDefault();
      setOpen(true);
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((current) => (current + step + places.length) % places.length);
    } else if (e.key === 'Enter' && expanded && active >= 0 && places[active]) {
      e.preventDefault(); // picks; does not submit the form
      pick(places[active]);
    } else if (e.key === 'Escape' && expanded) {
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  };

  const optionId = (index: number) => `${listId}-option-${index}`;
  return (
    <div className="combobox">
      <input
        id={id}
        role="combobox"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-describedby={describedBy}
        autoComplete="off"
        maxLength={200}
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
          setQuery(e.target.value);
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setOpen(false)}
      />
      <ul id={listId} role="listbox" aria-label={t('eventForm.venueOptions')} className="combobox-options" hidden={!expanded}>
        {places.map((place, index) => (
          <li
            key={place.id}
            id={optionId(index)}
            role="option"
            aria-selected={index === active}
            className={index === active ? 'active' : undefined}
            // mousedown, not click: the input's blur would close the list first
            onMouseDown={(e) => {
              e.preventDefault();
              pick(place);
            }}
          >
            <span className="combobox-name">{place.name}</span>
            <span className="combobox-detail">{[t(`placeKind.${place.kind}`), place.address].filter(Boolean).join(' · ')}</span>
          </li>
        ))}
      </ul>
      <p className="sr-only" role="status">
        {expanded ? (places.length ? t('eventForm.venueFound', { count: places.length }) : t('eventForm.venueNone')) : ''}
      </p>
    </div>
  );
}
