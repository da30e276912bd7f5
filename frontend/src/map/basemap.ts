import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import type { FeatureCollection, Geometry } from 'geojson';
import type { StyleSpecification } from 'maplibre-gl';
import countriesUrl from 'world-atlas/countries-50m.json?url';

let land: Promise<FeatureCollection<Geometry>> | null = null;

/** Natural Earth country outlines (from the npm package world-atlas) as GeoJSON: no network
 * beyond this app's own origin. Loaded once, as a separate file the browser caches (and the
 * service worker precaches), so the fallback map works where the street map cannot load. */
export function loadCountries(): Promise<FeatureCollection<Geometry>> {
  land ??= fetch(countriesUrl)
    .then((response) => {
      if (!response.ok) throw new Error(`basemap: ${response.status}`);
      return response.json() as Promise<Topology<{ countries: GeometryCollection }>>;
    })
    .then((topology) => feature(topology, topology.objects.countries) as FeatureCollection<Geometry>)
    .catch((error: unknown) => {
      land = null;
      throw error;
    });
  return land;
}

export const SEA = '#a9cfe6';

/** The fallback map's style: the country outlines on the sea colour (only the sea when even
 * the outlines did not load). No glyphs, no sprite, nothing from another origin. */
export function outlineStyle(countries: FeatureCollection<Geometry> | null): StyleSpecification {
  const empty: FeatureCollection<Geometry> = { type: 'FeatureCollection', features: [] };
  return {
    version: 8,
    name: 'CrewUp outlines (Natural Earth)',
    sources: {
      countries: { type: 'geojson', data: countries ?? empty, attribution: 'Natural Earth' },
    },
    layers: [
      { id: 'sea', type: 'background', paint: { 'background-color': SEA } },
      { id: 'land', type: 'fill', source: 'countries', paint: { 'fill-color': '#eef2e6' } },
      { id: 'borders', type: 'line', source: 'countries', paint: { 'line-color': '#6b7f5e', 'line-width': 1 } },
    ],
  };
}

/** Every URL a style names, taken against the style's own URL: a style may then say
 * `tiles/{z}/{x}/{y}.pbf` and work on any origin. (MapLibre fetches tiles in a worker, where a
 * relative URL would not resolve against the page.) Template braces survive `new URL`. */
export function resolveStyleUrls(style: StyleSpecification, styleUrl: string): StyleSpecification {
  const absolute = (url: string) => decodeURI(new URL(url, styleUrl).href);
  const sources = Object.fromEntries(
    Object.entries(style.sources).map(([id, source]) => {
      const copy = { ...source } as Record<string, unknown>;
      if (typeof copy.url === 'string') copy.url = absolute(copy.url);
      if (Array.isArray(copy.tiles)) copy.tiles = (copy.tiles as string[]).map(absolute);
      if (typeof copy.data === 'string') copy.data = absolute(copy.data);
      return [id, copy];
    }),
  ) as StyleSpecification['sources'];
  return {
    ...style,
    sources,
    ...(style.glyphs ? { glyphs: absolute(style.glyphs) } : {}),
    ...(typeof style.sprite === 'string' ? { sprite: absolute(style.sprite) } : {}),
  };
}

/** The configured street style, its URLs made absolute; rejects when it cannot be had (within
 * 10 s: the map, and Discover's list, wait for it). */
export async function loadStreetStyle(styleUrl: string): Promise<StyleSpecification> {
  const url = new URL(styleUrl, window.location.href).href;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`map style: ${response.status}`);
  const style = (await response.json()) as StyleSpecification;
  if (style.version !== 8 || typeof style.sources !== 'object' || !Array.isArray(style.layers)) throw new Error('map style: not a MapLibre style');
  return resolveStyleUrls(style, url);
}
