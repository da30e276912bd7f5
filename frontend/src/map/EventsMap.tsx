import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import L from './cluster';
import { pinIcon } from './icons';
import { useLeafletMap } from './useLeafletMap';
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

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Discover's map: clustered event pins, the distance circle, and the box that drives the query. */
export function EventsMap({ center, zoom, radiusKm, events, onBoxChange, onOpen }: Props) {
  const { t } = useTranslation();
  const element = useRef<HTMLDivElement>(null);
  const map = useLeafletMap(element, center, zoom, t('discover.mapLabel'));
  const cluster = useRef<L.MarkerClusterGroup | null>(null);
  const circle = useRef<L.Circle | null>(null);
  const boxChange = useRef(onBoxChange);
  const open = useRef(onOpen);
  boxChange.current = onBoxChange;
  open.current = onOpen;

  useEffect(() => {
    if (!map) return;
    const report = () => {
      const b = map.getBounds();
      boxChange.current({ south: b.getSouth(), west: b.getWest(), north: b.getNorth(), east: b.getEast() });
    };
    map.on('moveend', report);
    report();
    const group = L.markerClusterGroup({
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      iconCreateFunction: (c) =>
        L.divIcon({
          className: 'marker-cluster marker-cluster-small',
          html: `<div><span>${c.getChildCount()}<span class="sr-only"> ${escapeHtml(t('discover.clusterEvents'))}</span></span></div>`,
          iconSize: [40, 40],
        }),
    });
    map.addLayer(group);
    cluster.current = group;
    return () => {
      map.off('moveend', report);
      map.removeLayer(group);
      cluster.current = null;
    };
  }, [map, t]);

  useEffect(() => {
    if (!map) return;
    circle.current?.remove();
    circle.current = null;
    if (radiusKm) {
      circle.current = L.circle([center.lat, center.lng], {
        radius: radiusKm * 1000,
        color: '#14532d',
        weight: 2,
        fillOpacity: 0.05,
        interactive: false,
      }).addTo(map);
      map.fitBounds(circle.current.getBounds(), { animate: false });
    } else {
      map.setView([center.lat, center.lng], map.getZoom() < 9 ? zoom : map.getZoom(), { animate: false });
    }
  }, [map, center, radiusKm, zoom]);

  useEffect(() => {
    const group = cluster.current;
    if (!map || !group) return;
    group.clearLayers();
    const markers = events.map((event) => {
      const marker = L.marker([event.location.lat, event.location.lng], {
        icon: pinIcon('event'),
        title: event.title,
        alt: event.title,
        keyboard: true,
      });
      marker.bindTooltip(escapeHtml(event.title));
      marker.on('click', () => open.current(event.id));
      marker.on('keypress', (e: L.LeafletKeyboardEvent) => {
        if (e.originalEvent.key === 'Enter') open.current(event.id);
      });
      return marker;
    });
    group.addLayers(markers);
  }, [map, events]);

  return <div ref={element} className="map map-discover" data-testid="events-map" />;
}
