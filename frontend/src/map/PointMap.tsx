import { useEffect, useRef } from 'react';
import L from './leaflet';
import 'leaflet/dist/leaflet.css';
import { pinIcon } from './icons';
import { useLeafletMap } from './useLeafletMap';
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

/** One point on a small map: an event's place, an alert's sender, or a location being picked. */
export function PointMap({ point, fallback, label, zoom = 13, kind = 'event', onPick, className = '' }: Props) {
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, point ?? fallback, zoom, label);
  const marker = useRef<L.Marker | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;

  useEffect(() => {
    if (!map || !pick.current) return;
    const clicked = (e: L.LeafletMouseEvent) => pick.current?.({ lat: Number(e.latlng.lat.toFixed(6)), lng: Number(e.latlng.lng.toFixed(6)) });
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
      marker.current = L.marker([point.lat, point.lng], {
        icon: pinIcon(kind),
        title: label,
        alt: label,
        draggable: Boolean(pick.current),
        keyboard: false,
      }).addTo(map);
      marker.current.on('dragend', () => {
        const at = marker.current!.getLatLng();
        pick.current?.({ lat: Number(at.lat.toFixed(6)), lng: Number(at.lng.toFixed(6)) });
      });
    } else {
      marker.current.setLatLng([point.lat, point.lng]);
    }
    if (!map.getBounds().contains([point.lat, point.lng])) map.setView([point.lat, point.lng], map.getZoom(), { animate: false });
  }, [map, point, kind, label]);

  return <div ref={element} className={`map map-point ${className}`} />;
}
