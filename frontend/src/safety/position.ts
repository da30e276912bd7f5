/** Where the phone last knew it was: an alert goes out at once with what is at hand, never
 * after waiting for a fix (indoors, or with location access off, a fix may never come). */
import type { AlertPosition } from '../api/safety';

/** How old a position may be and still go with an alert: 5 minutes. In that time someone on
 * foot moves a few hundred metres at most, so the crew looks in the right neighbourhood; an
 * older position misleads more than it helps, and the live trail follows within seconds of a
 * fresh fix anyway. */
export const LAST_KNOWN_MAX_AGE_MS = 5 * 60_000;

/** The API's largest accuracy, in metres (a coarser position goes without one). */
const MAX_ACCURACY_M = 100_000;

export interface KnownPosition {
  lat: number;
  lng: number;
  accuracy_m: number | null;
  /** When the phone took it (ms since the epoch, the position's own timestamp). */
  at: number;
}

let lastKnown: KnownPosition | null = null;
let denied = false;

/** Keep a position from `watchPosition`/`getCurrentPosition` as the last one known. */
export function rememberPosition(position: GeolocationPosition): KnownPosition {
  const { latitude, longitude, accuracy } = position.coords;
  const known: KnownPosition = {
    lat: latitude,
    lng: longitude,
    accuracy_m: Number.isFinite(accuracy) && accuracy >= 0 && accuracy <= MAX_ACCURACY_M ? accuracy : null,
    at: position.timestamp,
  };
  // A late answer to an older request must not replace a newer position.
  if (!lastKnown || known.at >= lastKnown.at) lastKnown = known;
  denied = false;
  return known;
}

/** Note why a position did not come: only a refusal of location access is remembered. */
export function rememberPositionError(error: GeolocationPositionError): void {
  if (error.code === error.PERMISSION_DENIED) denied = true;
}

/** The last position known, if it is at most `LAST_KNOWN_MAX_AGE_MS` old; else none. */
export function bestKnownPosition(now: number = Date.now()): KnownPosition | null {
  if (!lastKnown || now - lastKnown.at > LAST_KNOWN_MAX_AGE_MS) return null;
  return lastKnown;
}

/** Whether the browser said no to location access (the last answer was a refusal). */
export function isLocationDenied(): boolean {
  return denied;
}

/** A position as the alert API takes it. */
export function asLocationInput(position: KnownPosition): AlertPosition {
  return { lat: position.lat, lng: position.lng, accuracy_m: position.accuracy_m };
}

/** Watch the phone's position, remembering each; returns the function that stops watching. */
export function watchPositions(onPosition: (position: KnownPosition) => void = () => {}): () => void {
  if (typeof navigator === 'undefined' || !('geolocation' in navigator)) return () => {};
  const geolocation = navigator.geolocation;
  const id = geolocation.watchPosition((position) => onPosition(rememberPosition(position)), rememberPositionError, {
    enableHighAccuracy: true,
    maximumAge: 10_000,
  });
  return () => geolocation.clearWatch(id);
}

/** Forget everything (tests, and signing out). */
export function forgetPositions(): void {
  lastKnown = null;
  denied = false;
}
