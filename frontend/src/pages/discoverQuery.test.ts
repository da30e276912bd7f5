import { describe, expect, it } from 'vitest';
import { buildEventQuery, filtersFromParams, movedAway, paramsFromFilters, timeWindow } from './discoverQuery';
import { distanceKm } from '../map/cities';
import { bboxParam } from '../api/events';
import { queryString } from '../api/http';

const lulea = { lat: 65.584, lng: 22.154 };
const box = { south: 65.5, west: 22.0, north: 65.7, east: 22.3 };

describe('the Discover query', () => {
  it('searches the place and its radius (10 km unless chosen), whatever the map shows', () => {
    const plain = buildEventQuery(filtersFromParams(new URLSearchParams('q=jazz&type=concert')), lulea);
    expect(plain).toMatchObject({ q: 'jazz', type: ['concert'], lat: 65.584, lng: 22.154, radius_km: 10, page_size: 100 });
    expect(plain.bbox).toBeUndefined();
    const near = buildEventQuery(filtersFromParams(new URLSearchParams('km=5')), lulea);
    expect(queryString({ ...near })).toBe('?page_size=100&lat=65.584&lng=22.154&radius_km=5');
  });

  it('searches the box the map showed after "search this area", and keeps it in the address bar', () => {
    const filters = filtersFromParams(new URLSearchParams('q=jazz'));
    const params = paramsFromFilters({ ...filters, area: box });
    expect(params.toString()).toBe('q=jazz&area=65.5%2C22%2C65.7%2C22.3');
    const query = buildEventQuery(filtersFromParams(params), lulea);
    expect(query).toMatchObject({ q: 'jazz', bbox: '22,65.5,22.3,65.7' });
    expect(query.radius_km).toBeUndefined();
  });

  it('keeps only known values from the address bar, and writes back only what differs from the defaults', () => {
    const filters = filtersFromParams(new URLSearchParams('type=rave&km=7&when=someday&q=x&place=umea&area=91,0,92,1'));
    expect(filters).toEqual({ q: 'x', type: '', when: 'any', km: 10, place: 'umea', area: null });
    expect(paramsFromFilters(filters).toString()).toBe('q=x&place=umea');
    expect(filtersFromParams(new URLSearchParams('area=65.7,22,65.5,22.3')).area).toBeNull();
  });

  it('offers the viewport once the map shows somewhere else than the area searched', () => {
    expect(movedAway(box, { lat: 65.6, lng: 22.15 }, distanceKm)).toBe(false);
    expect(movedAway(box, { lat: 60.17, lng: 24.94 }, distanceKm)).toBe(true);
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
