import { beforeEach, describe, expect, it } from 'vitest';
import { LAST_KNOWN_MAX_AGE_MS, bestKnownPosition, forgetPositions, isLocationDenied, rememberPosition, rememberPositionError } from './position';

const NOW = Date.parse('2026-12-05T21:00:00Z');

function fix(lat: number, lng: number, timestamp: number, accuracy = 25): GeolocationPosition {
  return { coords: { latitude: lat, longitude: lng, accuracy }, timestamp } as GeolocationPosition;
}

const refusal = { code: 1, PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3, message: 'denied' } as GeolocationPositionError;
const timeout = { ...refusal, code: 3, message: 'timeout' } as GeolocationPositionError;

beforeEach(() => forgetPositions());

describe('the last known position', () => {
  it('is none before any fix', () => {
    expect(bestKnownPosition(NOW)).toBeNull();
  });

  it('goes with an alert while it is at most 5 minutes old', () => {
    rememberPosition(fix(65.5848, 22.1547, NOW - 4 * 60_000, 12));

    expect(LAST_KNOWN_MAX_AGE_MS).toBe(5 * 60_000);
    expect(bestKnownPosition(NOW)).toEqual({ lat: 65.5848, lng: 22.1547, accuracy_m: 12, at: NOW - 4 * 60_000 });
    expect(bestKnownPosition(NOW - 4 * 60_000 + LAST_KNOWN_MAX_AGE_MS)).not.toBeNull();
  });

  it('is stale past 5 minutes: the alert goes without it', () => {
    rememberPosition(fix(65.5848, 22.1547, NOW - LAST_KNOWN_MAX_AGE_MS - 1));

    expect(bestKnownPosition(NOW)).toBeNull();
  });

  it('is the newest fix, whatever order the answers come in', () => {
    rememberPosition(fix(65.6, 22.2, NOW - 10_000));
    rememberPosition(fix(65.1, 22.9, NOW - 90_000)); // a late answer to an older request

    expect(bestKnownPosition(NOW)).toMatchObject({ lat: 65.6, lng: 22.2 });
  });

  it('leaves out an accuracy the API would refuse', () => {
    rememberPosition(fix(65.6, 22.2, NOW, 250_000));

    expect(bestKnownPosition(NOW)?.accuracy_m).toBeNull();
  });

  it('remembers a refusal of location access, until a position comes after all', () => {
    rememberPositionError(timeout);
    expect(isLocationDenied()).toBe(false);

    rememberPositionError(refusal);
    expect(isLocationDenied()).toBe(true);

    rememberPosition(fix(65.6, 22.2, NOW));
    expect(isLocationDenied()).toBe(false);
  });
});
