import { useEffect, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl, { type ErrorEvent, type MapSourceDataEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { getConfig } from '../config';
import { loadCountries, loadStreetStyle, outlineStyle } from './basemap';
import type { LatLng } from '../api/events';

/** What the map shows: the street map; the outline fallback (the street style, its tiles or
 * glyphs could not be had); nothing (no WebGL in this browser); or not yet known. */
export type MapState = 'loading' | 'streets' | 'outlines' | 'unavailable';

declare global {
  interface Window {
    /** Set by the end-to-end tests before the app starts: each map's container then carries
     * its MapLibre instance as `maplibreMap`, for `queryRenderedFeatures`. */
    __crewupExposeMaps?: boolean;
  }
}

export interface MapHost extends HTMLDivElement {
  maplibreMap?: maplibregl.Map;
}

/** Whether this browser can draw a MapLibre map (jsdom and browsers with WebGL off cannot). */
export function webglSupported(): boolean {
  if (typeof WebGLRenderingContext === 'undefined') return false;
  try {
    const canvas = document.createElement('canvas');
    return Boolean(canvas.getContext('webgl2') ?? canvas.getContext('webgl'));
  } catch {
    return false;
  }
}

async function fallbackStyle() {
  return outlineStyle(await loadCountries().catch(() => null));
}

/**
 * A MapLibre map in `ref`'s element, made once and removed on unmount: the configured street
 * style, or the Natural Earth outlines when that style, its tiles or its glyphs fail before any
 * street tile has loaded. `styleVersion` changes with each style the map takes, so callers add
 * their own sources and layers again (HTML markers need nothing: they outlive a style).
 */
export function useMapLibre(ref: RefObject<MapHost | null>, center: LatLng, zoom: number, label: string) {
  const { t } = useTranslation();
  const [map, setMap] = useState<maplibregl.Map | null>(null);
  const [state, setState] = useState<MapState>(() => (webglSupported() ? 'loading' : 'unavailable'));
  const [styleVersion, setStyleVersion] = useState(0);

  useEffect(() => {
    const element = ref.current;
    if (!element || !webglSupported()) return;
    let created: maplibregl.Map | null = null;
    let cancelled = false;
    let streets = false;
    let streetTileLoaded = false;
    let fellBack = false;

    const fallBack = () => {
      if (fellBack || cancelled || !created) return;
      fellBack = true;
      void fallbackStyle().then((style) => {
        if (cancelled || !created) return;
        created.setStyle(style);
        setState('outlines');
      });
    };

    void (async () => {
      let style = await loadStreetStyle(getConfig().mapStyleUrl).catch(() => null);
      if (cancelled) return;
      streets = style !== null;
      const streetSources = new Set(style ? Object.keys(style.sources) : []);
      style ??= await fallbackStyle();
      if (cancelled) return;
      created = new maplibregl.Map({
        container: element,
        style,
        center: [center.lng, center.lat],
        zoom,
        minZoom: 1,
        maxZoom: 18,
        // Added below, bottom left: the safety button floats over the bottom right on phones.
        attributionControl: false,
        dragRotate: false,
        pitchWithRotate: false,
        locale: {
          'Map.Title': t('map.keyboard'),
          'NavigationControl.ZoomIn': t('map.zoomIn'),
          'NavigationControl.ZoomOut': t('map.zoomOut'),
          'AttributionControl.ToggleAttribution': t('map.attribution'),
        },
      });
      created.touchZoomRotate.disableRotation();
      created.keyboard.disableRotation();
      created.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
      created.addControl(new maplibregl.AttributionControl({ compact: true }), 'bottom-left');
      // With a listener MapLibre logs nothing itself: a failure before the streets showed
      // means the fallback; one after (a tile lost on a bad connection) leaves what is drawn.
      created.on('error', (event: ErrorEvent & { sourceId?: string }) => {
        if (streets && !streetTileLoaded) fallBack();
        else if (!fellBack) console.warn('map:', event.error?.message ?? event);
      });
      created.on('sourcedata', (event: MapSourceDataEvent) => {
        // A tile of the street style's own (not of a caller's GeoJSON) came: the streets work.
        if (event.tile && streetSources.has(event.sourceId)) streetTileLoaded = true;
      });
      created.on('style.load', () => {
        setStyleVersion((n) => n + 1);
        if (!fellBack) setState(streets ? 'streets' : 'outlines');
      });
      if (window.__crewupExposeMaps) element.maplibreMap = created;
      setMap(created);
    })();

    return () => {
      cancelled = true;
      created?.remove();
      delete element.maplibreMap;
      setMap(null);
    };
    // Made once: later centre changes are applied by the callers (jumpTo, fitBounds).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return { map, state, styleVersion, label };
}
