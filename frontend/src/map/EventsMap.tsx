import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import maplibregl, { type GeoJSONSource } from 'maplibre-gl';
import { MapFrame } from './MapFrame';
import { boxAround, circleBounds, circlePolygon, clusterElement, eventsToGeoJSON, pinElement } from './pins';
import { useMapLibre, type MapHost } from './useMapLibre';
import type { CrewEvent, LatLng } from '../api/events';

export interface MapBox {
  south: number;
  west: number;
  north: number;
  east: number;
}

interface Props {
  center: LatLng;
  zoom: number;
  /** Fit the map to this circle when it changes (a distance filter). */
  radiusKm: number | null;
  events: readonly CrewEvent[];
  onBoxChange: (box: MapBox) => void;
  onOpen: (id: string) => void;
}

const EMPTY: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };

/**
 * Discover's map: the event pins, clustered by a GeoJSON source with `cluster: true` and drawn
 * as HTML buttons (reachable by keyboard, named for screen readers, and independent of the
 * style, so they stay when the map falls back to outlines); the distance circle; and the box
 * that drives the query.
 */
export function EventsMap({ center, zoom, radiusKm, events, onBoxChange, onOpen }: Props) {
  const { t } = useTranslation();
  const element = useRef<MapHost>(null);
  const label = t('discover.mapLabel');
  const { map, state, styleVersion } = useMapLibre(element, center, zoom, label);
  const boxChange = useRef(onBoxChange);
  const open = useRef(onOpen);
  const data = useRef(eventsToGeoJSON(events));
  const markers = useRef(new Map<string, maplibregl.Marker>());
  boxChange.current = onBoxChange;
  open.current = onOpen;
  data.current = eventsToGeoJSON(events);

  // With no map to draw (no WebGL), the box a map of this size would show, so the list still
  // has its query.
  useEffect(() => {
    if (state !== 'unavailable') return;
    if (radiusKm) {
      const [west, south, east, north] = circleBounds(center, radiusKm);
      boxChange.current({ south, west, north, east });
      return;
    }
    const rect = element.current?.getBoundingClientRect();
    boxChange.current(boxAround(center, zoom, rect?.width || 600, rect?.height || 400));
  }, [state, center, zoom, radiusKm]);

  // The box the list is queried for, whenever the view settles.
  useEffect(() => {
    if (!map) return;
    const report = () => {
      const b = map.getBounds();
      boxChange.current({ south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast() });
    };
    map.on('moveend', report);
    report();
    return () => {
      map.off('moveend', report);
    };
  }, [map]);

  // The sources of each style the map takes: the events (clustered) and the distance circle.
  // The events' layer draws nothing: it makes MapLibre cluster the source, whose features the
  // HTML pins below are made from.
  useEffect(() => {
    if (!map || styleVersion === 0) return;
    if (!map.getSource('events')) {
      map.addSource('events', { type: 'geojson', data: data.current, cluster: true, clusterRadius: 45, clusterMaxZoom: 16 });
      map.addLayer({ id: 'events', type: 'circle', source: 'events', paint: { 'circle-radius': 1, 'circle-opacity': 0, 'circle-stroke-opacity': 0 } });
    }
    if (!map.getSource('distance')) {
      map.addSource('distance', { type: 'geojson', data: EMPTY });
      map.addLayer({ id: 'distance-fill', type: 'fill', source: 'distance', paint: { 'fill-color': '#14532d', 'fill-opacity': 0.05 } });
      map.addLayer({ id: 'distance-line', type: 'line', source: 'distance', paint: { 'line-color': '#14532d', 'line-width': 2 } });
    }
  }, [map, styleVersion]);

  // The pins: one button per cluster or event in view, remade as MapLibre reclusters.
  useEffect(() => {
    if (!map) return;
    const shown = markers.current;
    const clear = () => {
      for (const marker of shown.values()) marker.remove();
      shown.clear();
    };
    const sync = () => {
      if (!map.getSource('events') || !map.isSourceLoaded('events')) return;
      const seen = new Set<string>();
      for (const feature of map.querySourceFeatures('events')) {
        const props = feature.properties as { cluster?: boolean; cluster_id?: number; point_count?: number; id?: string; title?: string };
        const at = (feature.geometry as GeoJSON.Point).coordinates as [number, number];
        const key = props.cluster ? `cluster:${props.cluster_id}` : `event:${props.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const existing = shown.get(key);
        if (existing) {
          existing.setLngLat(at);
          continue;
        }
        let pin: HTMLElement;
        if (props.cluster) {
          pin = clusterElement(props.point_count ?? 0, t('discover.clusterEvents'));
          const clusterId = props.cluster_id!;
          pin.addEventListener('click', () => {
            void (map.getSource('events') as GeoJSONSource).getClusterExpansionZoom(clusterId).then((next) => map.easeTo({ center: at, zoom: next }));
          });
        } else {
          const id = props.id!;
          pin = pinElement('event', props.title ?? '', true);
          pin.addEventListener('click', () => open.current(id));
        }
        shown.set(key, new maplibregl.Marker({ element: pin, anchor: props.cluster ? 'center' : 'bottom' }).setLngLat(at).addTo(map));
      }
      for (const [key, marker] of shown) {
        if (!seen.has(key)) {
          marker.remove();
          shown.delete(key);
        }
      }
    };
    const onData = (event: { sourceId?: string; isSourceLoaded?: boolean }) => {
      if (event.sourceId === 'events' && event.isSourceLoaded) sync();
    };
    map.on('sourcedata', onData);
    map.on('moveend', sync);
    sync();
    return () => {
      map.off('sourcedata', onData);
      map.off('moveend', sync);
      clear();
    };
  }, [map, t]);

  // New events: the clusters are made again (their ids mean other clusters now).
  useEffect(() => {
    const source = map?.getSource('events') as GeoJSONSource | undefined;
    if (!map || !source) return;
    for (const marker of markers.current.values()) marker.remove();
    markers.current.clear();
    source.setData(data.current);
  }, [map, events, styleVersion]);

  // The centre, and the distance circle the map fits when a radius is chosen.
  useEffect(() => {
    if (!map) return;
    if (radiusKm) {
      map.fitBounds(circleBounds(center, radiusKm), { animate: false, padding: 8 });
    } else {
      map.jumpTo({ center: [center.lng, center.lat], zoom: map.getZoom() < 9 ? zoom : map.getZoom() });
    }
  }, [map, center, radiusKm, zoom]);

  useEffect(() => {
    const source = map?.getSource('distance') as GeoJSONSource | undefined;
    source?.setData(radiusKm ? circlePolygon(center, radiusKm) : EMPTY);
  }, [map, center, radiusKm, styleVersion]);

  return <MapFrame hostRef={element} state={state} label={label} className="map-discover" testId="events-map" />;
}
