import { useEffect, useRef } from 'react';
import maplibregl from 'maplibre-gl';
import { MapFrame } from './MapFrame';
import { pinElement } from './pins';
import { useMapLibre, type MapHost } from './useMapLibre';
import type { LatLng } from '../api/events';

interface Props {
  point: LatLng | null;
  /** The centre when there is no point yet. */
  fallback: LatLng;
  label: string;
  zoom?: number;
  kind?: 'event' | 'picked' | 'alert';
  /** Makes the map a picker: a click (or a dragged pin) sets the point. */
  onPick?: (point: LatLng) => void;
  className?: string;
}

const rounded = (at: maplibregl.LngLat): LatLng => ({ lat: Number(at.lat.toFixed(6)), lng: Number(at.lng.toFixed(6)) });

/** One point on a small map: an event's place, an alert's sender, or a location being picked. */
export function PointMap({ point, fallback, label, zoom = 15, kind = 'event', onPick, className = '' }: Props) {
  const element = useRef<MapHost>(null);
  const { map, state } = useMapLibre(element, point ?? fallback, zoom, label);
  const marker = useRef<maplibregl.Marker | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    if (!map || !pick.current) return;
    const clicked = (event: maplibregl.MapMouseEvent) => pick.current?.(rounded(event.lngLat));
    map.on('click', clicked);
    return () => {
      map.off('click', clicked);
    };
  }, [map]);

  useEffect(() => {
    if (!map) return;
    if (!point) {
      marker.current?.remove();
      marker.current = null;
      return;
    }
    if (!marker.current) {
      const draggable = Boolean(pick.current);
      // The picker's pin is dragged with the pointer; the keyboard sets the place in the
      // latitude and longitude fields beside the map, so the pin itself is not a tab stop.
      const pin = pinElement(kind, label, false);
      marker.current = new maplibregl.Marker({ element: pin, anchor: 'bottom', draggable }).setLngLat([point.lng, point.lat]).addTo(map);
      marker.current.on('dragend', () => {
        if (marker.current) pick.current?.(rounded(marker.current.getLngLat()));
      });
    } else {
      marker.current.setLngLat([point.lng, point.lat]);
    }
    if (!map.getBounds().contains([point.lng, point.lat])) map.jumpTo({ center: [point.lng, point.lat] });
  }, [map, point, kind, label]);

  useEffect(
    () => () => {
      marker.current?.remove();
      marker.current = null;
    },
    [map],
  );

  return <MapFrame hostRef={element} state={state} label={label} className={`map-point ${className}`} />;
}
