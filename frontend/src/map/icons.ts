import L from './leaflet';

/** A pin drawn in CSS (no image files to resolve), coloured by kind. */
export function pinIcon(kind: 'event' | 'picked' | 'alert' = 'event', label = ''): L.DivIcon {
  return L.divIcon({
    className: `pin pin-${kind}`,
    html: `<span aria-hidden="true">${label}</span>`,
    iconSize: [26, 26],
    iconAnchor: [13, 26],
    popupAnchor: [0, -24],
  });
}
