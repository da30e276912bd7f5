import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { FeatureCollection, Geometry } from 'geojson';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import L from './leaflet';
import { getConfig } from '../config';

let land: Promise<FeatureCollection<Geometry>> | null = null;

/** Natural Earth country outlines (from the npm package world-atlas) as GeoJSON: no network
 * beyond this app's own origin. Loaded once, as a separate file the browser caches. */
export function loadCountries(): Promise<FeatureCollection<Geometry>> {
  land ??= fetch(countriesUrl)
    .then((response) => {
      if (!response.ok) throw new Error(`basemap: ${response.status}`);
      return response.json() as Promise<Topology<{ countries: GeometryCollection }>>;
    })
    .then((topology) => feature(topology, topology.objects.countries) as FeatureCollection<Geometry>);
  return land;
}

export const SEA = '#a9cfe6';

/** The configured tile layer, or the offline outline layer when no tile URL is set. */
export function addBasemap(map: L.Map): void {
  const config = getConfig();
  const container = map.getContainer();
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
    return;
  }
  container.style.background = SEA;
  map.attributionControl.addAttribution('Natural Earth');
  void loadCountries()
    .then((countries) => {
      L.geoJSON(countries, {
        interactive: false,
        style: { color: '#6b7f5e', weight: 1, fillColor: '#eef2e6', fillOpacity: 1 },
      }).addTo(map);
    })
    .catch(() => {
      /* the map still shows markers on the sea colour */
    });
}
