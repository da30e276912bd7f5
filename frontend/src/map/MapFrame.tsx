import type { RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { MapHost, MapState } from './useMapLibre';

interface Props {
  hostRef: RefObject<MapHost | null>;
  state: MapState;
  label: string;
  className: string;
  testId?: string;
}

/** The map's region: MapLibre draws into the inner element; the notice says what is missing. */
export function MapFrame({ hostRef, state, label, className, testId }: Props) {
  const { t } = useTranslation();
  return (
    <div className={`map ${className}`} role="region" aria-label={label} data-map-state={state} data-testid={testId}>
      <div ref={hostRef} className="map-canvas" />
      {state === 'outlines' && (
        <p className="map-notice" role="status">
          {t('map.outlinesOnly')}
        </p>
      )}
      {state === 'unavailable' && (
        <p className="map-notice map-notice-full" role="status">
          {t('map.unavailable')}
        </p>
      )}
    </div>
  );
}
