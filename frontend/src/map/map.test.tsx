import { describe, expect, it } from 'vitest';
import { screen } from '@testing-library/react';
import { renderWithApp } from '../test/render';
import { EventsMap, type MapBox } from './EventsMap';
import { PointMap } from './PointMap';
import { outlineStyle, resolveStyleUrls } from './basemap';
import { circlePolygon, eventsToGeoJSON } from './pins';
import { webglSupported } from './useMapLibre';
import type { CrewEvent } from '../api/events';
import type { StyleSpecification } from 'maplibre-gl';

describe('the map without WebGL (jsdom, or a browser with WebGL off)', () => {
  it('knows it cannot draw', () => {
    expect(webglSupported()).toBe(false);
  });

  it("keeps Discover's map region, named, says the map is unavailable, and still gives the list its box", async () => {
    const boxes: MapBox[] = [];
    await renderWithApp(<EventsMap center={{ lat: 60.17, lng: 24.94 }} zoom={12} radiusKm={null} events={[]} onBoxChange={(box) => boxes.push(box)} onOpen={() => {}} />);
    const region = screen.getByRole('region', { name: 'Map of events' });
    expect(region).toHaveAttribute('data-map-state', 'unavailable');
    expect(region).toHaveTextContent('Map unavailable: this browser cannot draw maps (WebGL is off).');
    // jsdom lays nothing out: the box of a 600 x 400 px map at zoom 12 around the centre
    expect(boxes).toHaveLength(1);
    const [box] = boxes;
    expect(box!.west).toBeCloseTo(24.94 - (300 * 360) / (512 * 4096), 6);
    expect(box!.east).toBeCloseTo(24.94 + (300 * 360) / (512 * 4096), 6);
    expect(box!.south).toBeLessThan(60.17);
    expect(box!.north).toBeGreaterThan(60.17);
    expect((box!.south + box!.north) / 2).toBeCloseTo(60.17, 3);
  });

  it('gives the list the box of the distance circle when one is chosen', async () => {
    const boxes: MapBox[] = [];
    await renderWithApp(<EventsMap center={{ lat: 60, lng: 25 }} zoom={12} radiusKm={25} events={[]} onBoxChange={(box) => boxes.push(box)} onOpen={() => {}} />);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.north - 60).toBeCloseTo(25 / 111.195, 3);
    expect(60 - boxes[0]!.south).toBeCloseTo(25 / 111.195, 3);
  });

  it('says so in Swedish on the event map too', async () => {
    await renderWithApp(<PointMap point={{ lat: 60.17, lng: 24.94 }} fallback={{ lat: 60.17, lng: 24.94 }} label="Karta: var Jazz är" />, { language: 'sv' });
    expect(screen.getByRole('region', { name: 'Karta: var Jazz är' })).toHaveTextContent('Kartan är inte tillgänglig');
  });
});

describe('the street style', () => {
  const style: StyleSpecification = {
    version: 8,
    glyphs: 'glyphs/{fontstack}/{range}.pbf?v=abc',
    sources: {
      openmaptiles: { type: 'vector', tiles: ['tiles/{z}/{x}/{y}.pbf?v=abc'], maxzoom: 14 },
      other: { type: 'vector', url: 'https://tiles.example/v3.json' },
    },
    layers: [],
  };

  it("takes the style's relative URLs against the style's own URL, template braces kept", () => {
    const resolved = resolveStyleUrls(style, 'https://crewup.example/map/style.json');
    expect(resolved.glyphs).toBe('https://crewup.example/map/glyphs/{fontstack}/{range}.pbf?v=abc');
    expect(resolved.sources.openmaptiles).toMatchObject({ tiles: ['https://crewup.example/map/tiles/{z}/{x}/{y}.pbf?v=abc'], maxzoom: 14 });
    expect(resolved.sources.other).toMatchObject({ url: 'https://tiles.example/v3.json' });
    // the style given is left as it was
    expect(style.glyphs).toBe('glyphs/{fontstack}/{range}.pbf?v=abc');
  });

  it('falls back to outlines that need nothing from another origin, nor glyphs', () => {
    const fallback = outlineStyle(null);
    expect(fallback.glyphs).toBeUndefined();
    expect(fallback.sprite).toBeUndefined();
    expect(fallback.layers.map((layer) => layer.id)).toEqual(['sea', 'land', 'borders']);
    expect(fallback.sources.countries).toMatchObject({ type: 'geojson', attribution: 'Natural Earth' });
  });
});

describe("Discover's pins", () => {
  it('are GeoJSON points, longitude first, carrying the id and title a pin shows', () => {
    const events = [{ id: 'e1', title: 'Jazz', location: { lat: 60.17, lng: 24.94 } }] as CrewEvent[];
    expect(eventsToGeoJSON(events).features).toEqual([
      { type: 'Feature', properties: { id: 'e1', title: 'Jazz' }, geometry: { type: 'Point', coordinates: [24.94, 60.17] } },
    ]);
  });

  it('draw the distance filter as a closed ring at that distance', () => {
    const ring = circlePolygon({ lat: 60, lng: 25 }, 5).geometry.coordinates[0]!;
    expect(ring).toHaveLength(65);
    expect(ring[0]).toEqual(ring[64]);
    // due north, 5 km is 5 / 111.2 degrees of latitude
    expect(ring[0]![1]! - 60).toBeCloseTo(5 / 111.195, 4);
    expect(ring[0]![0]).toBeCloseTo(25, 6);
  });
});
