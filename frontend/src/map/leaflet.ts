// Leaflet with the marker cluster plugin, which extends the global `L` when it loads: this
// module sets the global first (ES modules evaluate their imports in order).
import L from 'leaflet';

declare global {
  interface Window {
    L: typeof L;
  }
}
window.L = L;

export default L;
