import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => cleanup());

// maplibre-gl makes its worker's blob URL when it loads; jsdom has no URL.createObjectURL.
// (jsdom has no WebGL either: the maps render their "unavailable" notice, never a worker.)
if (!('createObjectURL' in URL)) {
  Object.defineProperty(URL, 'createObjectURL', { value: () => 'blob:jsdom' });
}
