import type { LatLng } from '../api/events';

/** Places to pick when the browser's location is not shared. The first is the default: the
 * demo events and the bundled map extract are in central Helsinki (#15). */
export const CITIES: readonly { id: string; name: string; at: LatLng }[] = [
  { id: 'helsinki', name: 'Helsinki', at: { lat: 60.1699, lng: 24.9441 } },
  { id: 'lulea', name: 'Luleå', at: { lat: 65.584, lng: 22.154 } },
  { id: 'umea', name: 'Umeå', at: { lat: 63.8258, lng: 20.263 } },
  { id: 'kiruna', name: 'Kiruna', at: { lat: 67.8558, lng: 20.2253 } },
  { id: 'stockholm', name: 'Stockholm', at: { lat: 59.3293, lng: 18.0686 } },
  { id: 'gothenburg', name: 'Göteborg', at: { lat: 57.7089, lng: 11.9746 } },
  { id: 'malmo', name: 'Malmö', at: { lat: 55.605, lng: 13.0038 } },
  { id: 'uppsala', name: 'Uppsala', at: { lat: 59.8586, lng: 17.6389 } },
  { id: 'oslo', name: 'Oslo', at: { lat: 59.9139, lng: 10.7522 } },
  { id: 'copenhagen', name: 'København', at: { lat: 55.6761, lng: 12.5683 } },
];

export const DEFAULT_CITY = CITIES[0]!;

/** Great-circle distance in km. */
export function distanceKm(a: LatLng, b: LatLng): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLng = (b.lng - a.lng) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}
