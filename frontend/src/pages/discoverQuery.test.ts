import { describe, expect, it } from 'vitest';
import { buildEventQuery, filtersFromParams, paramsFromFilters, timeWindow } from './discoverQuery';
import { bboxParam } from '../api/events';
import { queryString } from '../api/http';

const lulea = { lat: 65.584, lng: 22.154 };
const box = { south: 65.5, west: 22.0, north: 65.7, east: 22.3 };

describe('the Discover query', () => {
  it('always sends the map box, and a radius only when a distance is chosen', () => {
    const plain = buildEventQuery(filtersFromParams(new URLSearchParams('q=jazz&type=concert')), box, lulea);
    expect(plain).toMatchObject({ q: 'jazz', type: ['concert'], bbox: '22,65.5,22.3,65.7', page_size: 100 });
    expect(plain.radius_km).toBeUndefined();
    expect(plain.lat).toBeUndefined();
    const near = buildEventQuery(filtersFromParams(new URLSearchParams('km=5')), box, lulea);
    expect(near).toMatchObject({ lat: 65.584, lng: 22.154, radius_km: 5 });
    expect(queryString({ ...near })).toBe('?page_size=100&bbox=22%2C65.5%2C22.3%2C65.7&lat=65.584&lng=22.154&radius_km=5');
  });

  it('keeps only known values from the address bar, and writes back only what differs from the defaults', () => {
    const filters = filtersFromParams(new URLSearchParams('type=rave&km=7&when=someday&q=x&place=umea'));
    expect(filters).toEqual({ q: 'x', type: '', when: 'any', km: null, place: 'umea' });
    expect(paramsFromFilters(filters).toString()).toBe('q=x&place=umea');
  });

  it('turns "when" into a window of start times', () => {
    const now = new Date('2026-06-03T10:00:00'); // a Wednesday
    expect(timeWindow('any', now)).toEqual({});
    const week = timeWindow('week', now);
    expect(new Date(week.starts_before!).getTime() - new Date('2026-06-03T00:00:00').getTime()).toBe(7 * 86_400_000);
    const weekend = timeWindow('weekend', now);
    expect(new Date(weekend.starts_after!)).toEqual(new Date('2026-06-06T00:00:00'));
    expect(new Date(weekend.starts_before!)).toEqual(new Date('2026-06-08T00:00:00'));
  });

  it('clamps a box that runs off the world', () => {
    expect(bboxParam(-95, -200, 95, 200)).toBe('-180,-90,180,90');
  });
});
