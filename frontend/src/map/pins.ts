import type { CrewEvent } from '../api/events';

/** A pin drawn in CSS (no image files to resolve), coloured by kind; a button when it does
 * something, else an image with a name. MapLibre positions it (anchor: bottom). */
export function pinElement(kind: 'event' | 'picked' | 'alert', label: string, interactive: boolean): HTMLElement {
  const element = document.createElement(interactive ? 'button' : 'div');
  element.className = `pin pin-${kind}`;
  element.title = label;
  element.setAttribute('aria-label', label);
  if (interactive) (element as HTMLButtonElement).type = 'button';
  else element.setAttribute('role', 'img');
  const dot = document.createElement('span');
  dot.setAttribute('aria-hidden', 'true');
  element.append(dot);
  return element;
}

/** A cluster of event pins: its count, named "N events" (a name that holds the visible count:
 * MapLibre would name it "Map marker" otherwise); a click zooms in to it. */
export function clusterElement(count: number, noun: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'map-cluster';
  element.textContent = String(count);
  element.setAttribute('aria-label', `${count} ${noun}`);
  return element;
}

/** A circle of `km` around a point as a GeoJSON polygon (64 sides: round at any zoom shown). */
export function circlePolygon(center: { lat: number; lng: number }, km: number): GeoJSON.Feature<GeoJSON.Polygon> {
  const steps = 64;
  const earth = 6371.0088;
  const lat = (center.lat * Math.PI) / 180;
  const lng = (center.lng * Math.PI) / 180;
  const d = km / earth;
  const ring: [number, number][] = [];
  for (let i = 0; i <= steps; i += 1) {
    const bearing = (2 * Math.PI * (i % steps)) / steps;
    const lat2 = Math.asin(Math.sin(lat) * Math.cos(d) + Math.cos(lat) * Math.sin(d) * Math.cos(bearing));
    const lng2 = lng + Math.atan2(Math.sin(bearing) * Math.sin(d) * Math.cos(lat), Math.cos(d) - Math.sin(lat) * Math.sin(lat2));
    ring.push([(lng2 * 180) / Math.PI, (lat2 * 180) / Math.PI]);
  }
  return { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [ring] } };
}

/** The events as GeoJSON points, for MapLibre's clustering. */
export function eventsToGeoJSON(events: readonly CrewEvent[]): GeoJSON.FeatureCollection<GeoJSON.Point, { id: string; title: string }> {
  return {
    type: 'FeatureCollection',
    features: events.map((event) => ({
      type: 'Feature',
      properties: { id: event.id, title: event.title },
      geometry: { type: 'Point', coordinates: [event.location.lng, event.location.lat] },
    })),
  };
}

/** The box a map of `width` x `height` px would show around `center` at `zoom` (Web Mercator,
 * 512 px tiles as MapLibre draws them): what Discover queries when no map can be drawn. */
export function boxAround(center: { lat: number; lng: number }, zoom: number, width: number, height: number) {
  const worldPx = 512 * 2 ** zoom;
  const halfLng = ((width / 2) * 360) / worldPx;
  const y = Math.log(Math.tan(Math.PI / 4 + (center.lat * Math.PI) / 360));
  const latAt = (dy: number) => (Math.atan(Math.exp(y + (dy * 2 * Math.PI) / worldPx)) * 360) / Math.PI - 90;
  return {
    south: Math.max(-85, latAt(-height / 2)),
    west: Math.max(-180, center.lng - halfLng),
    north: Math.min(85, latAt(height / 2)),
    east: Math.min(180, center.lng + halfLng),
  };
}

/** The bounds [west, south, east, north] of the circle of `km` around a point. */
export function circleBounds(center: { lat: number; lng: number }, km: number): [number, number, number, number] {
  const ring = circlePolygon(center, km).geometry.coordinates[0]!;
  const lngs = ring.map((p) => p[0]!);
  const lats = ring.map((p) => p[1]!);
  return [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
}
