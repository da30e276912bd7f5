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

/** A cluster of event pins: its count, read out as "N events"; a click zooms in to it. */
export function clusterElement(count: number, noun: string): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'map-cluster';
  const text = document.createElement('span');
  text.textContent = String(count);
  const spoken = document.createElement('span');
  spoken.className = 'sr-only';
  spoken.textContent = ` ${noun}`;
  element.append(text, spoken);
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
