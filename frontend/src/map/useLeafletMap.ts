import { useEffect, useState, type RefObject } from 'react';
import L from './leaflet';
import { addBasemap } from './basemap';
import type { LatLng } from '../api/events';

/** A Leaflet map in `ref`'s element with the basemap, made once and removed on unmount. */
export function useLeafletMap(ref: RefObject<HTMLDivElement | null>, center: LatLng, zoom: number, label: string): L.Map | null {
  const [map, setMap] = useState<L.Map | null>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const created = L.map(element, { center: [center.lat, center.lng], zoom, minZoom: 2, maxZoom: 18, zoomControl: true, worldCopyJump: false });
    element.setAttribute('role', 'region');
    element.setAttribute('aria-label', label);
    addBasemap(created);
    setMap(created);
    return () => {
      created.remove();
      setMap(null);
    };
    // Made once: later centre changes are applied by the callers with setView/fitBounds.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return map;
}
