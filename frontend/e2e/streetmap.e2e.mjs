// The street map (issue #15) in a real browser: our own OpenStreetMap tiles, style and glyphs
// from /map/ draw streets on Discover, on an event's page and on a received safety alert, at
// phone and desktop sizes; with the tiles unreachable the map says it shows outlines instead.
// Each map's MapLibre instance is read through window.__crewupExposeMaps (set before the app
// starts), and a street is a rendered feature of the OpenMapTiles layer "transportation".
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSystem } from './system.mjs';
import { api, resolveAlertsOf } from './api.mjs';
import { DESKTOP, PHONE, axeViolations, isForeignConsoleError, launch, shot, signIn, watchConsole } from './browser.mjs';

const stamp = Date.now().toString(36);
const TITLE = `Street map night ${stamp}`;
const CREW = `Map crew ${stamp}`;
const ALERT = `Lost by the market square (${stamp})`;
// inside the central Helsinki extract the tiles are built from (tiles/extract.sh)
const ATENEUM = { lat: 60.17, lng: 24.9441 };
const MARKET = { lat: 60.1685, lng: 24.948 };
const HELSINKI = { latitude: 60.1699, longitude: 24.9384 };

let system;
let browser;
const pages = {};
const errorLists = [];

/** Poll `locator`'s map until MapLibre has drawn it whole; then the streets (rendered
 * features of the source layer "transportation") it shows. */
async function renderedStreets(locator, { timeout = 30_000 } = {}) {
  await locator.and(locator.page().locator('[data-map-state="streets"]')).waitFor({ timeout });
  const deadline = Date.now() + timeout;
  for (;;) {
    const streets = await locator.evaluate((element) => {
      const map = element.querySelector('.map-canvas')?.maplibreMap;
      if (!map || !map.loaded() || !map.areTilesLoaded()) return null;
      return map
        .queryRenderedFeatures()
        .filter((feature) => feature.sourceLayer === 'transportation')
        .map((feature) => feature.properties.class);
    });
    if (streets) return streets;
    assert.ok(Date.now() < deadline, 'the map did not finish drawing');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function assertAccessible(page, name) {
  assert.deepEqual(await axeViolations(page), [], `${name}: axe found violations`);
}

function assertNoConsoleErrors() {
  const bad = errorLists.flatMap((list) => list.splice(0)).filter((e) => !isForeignConsoleError(e));
  assert.deepEqual(bad, [], `console errors:\n${bad.map((e) => `${e.page}: ${e.text} ${e.url}`).join('\n')}`);
}

describe('The street map', { timeout: 300_000 }, () => {
  let eventId;

  before(async () => {
    system = await startSystem();
    await resolveAlertsOf(system.base, 'alice');
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const event = await api(system.base, 'alice', '/api/v1/events/', {
      method: 'POST',
      body: {
        title: TITLE, event_type: 'concert', venue_name: 'Ateneum', address: 'Kaivokatu 2, Helsinki',
        starts_at: tomorrow.toISOString(), ends_at: new Date(tomorrow.getTime() + 3 * 3600_000).toISOString(),
        location: ATENEUM, capacity: 40,
      },
    });
    eventId = event.id;
    const crew = await api(system.base, 'alice', '/api/v1/groups/', { method: 'POST', body: { event_id: event.id, name: CREW, max_members: 6 } });
    for (const member of ['bob', 'maria']) await api(system.base, member, `/api/v1/groups/${crew.id}/join/`, { method: 'POST' });
    pages.crewId = crew.id;

    browser = await launch();
    for (const [who, size] of [['maria', DESKTOP], ['bob', PHONE]]) {
      const context = await browser.newContext({ ...size, geolocation: HELSINKI, permissions: ['geolocation'], locale: 'en-GB' });
      await context.addInitScript(() => {
        window.__crewupExposeMaps = true;
      });
      const page = await context.newPage();
      errorLists.push(watchConsole(page, who));
      pages[who] = page;
      await signIn(page, system.base, who);
    }
  });

  after(async () => {
    if (system) await resolveAlertsOf(system.base, 'alice');
    await browser?.close();
    await system?.stop();
  });

  it('draws streets on Discover around the event, whose pin opens it', async () => {
    for (const [who, size] of [['maria', 'desktop'], ['bob', 'phone']]) {
      const page = pages[who];
      await page.goto(`${system.base}/?place=helsinki&q=${encodeURIComponent(TITLE)}`);
      const map = page.getByTestId('events-map');
      const streets = await renderedStreets(map);
      assert.ok(streets.length > 0, 'no street drawn on Discover');
      // the map region keeps its name; the attribution names OpenStreetMap, linked
      assert.equal(await map.getAttribute('aria-label'), 'Map of events');
      assert.equal(await map.getByRole('link', { name: '© OpenStreetMap contributors' }).getAttribute('href'), 'https://www.openstreetmap.org/copyright');
      const pin = map.getByRole('button', { name: TITLE });
      await pin.waitFor();
      await map.scrollIntoViewIfNeeded();
      await shot(page, `streets-discover-${size}`);
      await assertAccessible(page, `discover (${size})`);
      await pin.click();
      await page.getByTestId('map-preview').getByRole('link', { name: TITLE }).click();
      await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
      assertNoConsoleErrors();
    }
  });

  it('offers "Search this area" once the map is moved away, and searches its box', async () => {
    const page = pages.maria;
    await page.goto(`${system.base}/?km=1`);
    const map = page.getByTestId('events-map');
    await renderedStreets(map);
    const button = page.getByRole('button', { name: 'Search this area' });
    assert.equal(await button.count(), 0, 'offered before the map moved');
    // when the map is moved 3 km east, where the 1 km around Helsinki's centre does not reach
    await map.evaluate((element) => element.querySelector('.map-canvas').maplibreMap.jumpTo({ center: [24.995, 60.17] }));
    await button.click();
    // then the box is searched, kept in the address bar, and the way back is offered
    await page.waitForURL(/[?&]area=/);
    await page.getByRole('button', { name: /^Back to 1 km around Helsinki$/ }).waitFor();
    await page.getByRole('heading', { name: /^\d+ events?$/ }).waitFor();
    await shot(page, 'discover-search-this-area-desktop');
    await page.getByRole('button', { name: /^Back to 1 km around/ }).click();
    await page.waitForURL((url) => !url.searchParams.has('area'));
    assertNoConsoleErrors();
  });

  it("draws streets on the event's page around its pin", async () => {
    for (const [who, size] of [['maria', 'desktop'], ['bob', 'phone']]) {
      const page = pages[who];
      await page.goto(`${system.base}/events/${eventId}`);
      const map = page.getByRole('region', { name: `Map: where ${TITLE} is` });
      const streets = await renderedStreets(map);
      assert.ok(streets.length > 0, 'no street drawn on the event page');
      await map.getByRole('img', { name: `Map: where ${TITLE} is` }).waitFor();
      await map.scrollIntoViewIfNeeded();
      await shot(page, `streets-event-${size}`);
      await assertAccessible(page, `event page (${size})`);
      assertNoConsoleErrors();
    }
  });

  it('draws streets on the map of an alert received from the crew', async () => {
    for (const page of [pages.maria, pages.bob]) await page.goto(`${system.base}/crews/${pages.crewId}`);
    await api(system.base, 'alice', '/api/v1/safety/alerts/', {
      method: 'POST',
      body: { group_ids: [pages.crewId], alert_type: 'lost', message: ALERT, location: { ...MARKET, accuracy_m: 15 } },
    });
    for (const [who, size] of [['maria', 'desktop'], ['bob', 'phone']]) {
      const page = pages[who];
      const card = page.locator('[data-testid="alert-card"]', { hasText: ALERT });
      await card.waitFor({ timeout: 20_000 });
      // on a phone the tray keeps the map closed until asked (the page under it stays in view)
      if (size === 'phone') await card.getByRole('button', { name: 'Show the map' }).click();
      const map = card.locator('.map-alert');
      const streets = await renderedStreets(map);
      assert.ok(streets.length > 0, 'no street drawn on the alert');
      await map.scrollIntoViewIfNeeded();
      await shot(page, `streets-alert-${size}`);
      // the attribution link in the card is told from its text by more than colour
      await assertAccessible(page, `alert card (${size})`);
      assertNoConsoleErrors();
    }
  });

  it('with the tiles unreachable, shows the outlines and says so', async () => {
    const context = await browser.newContext({ ...DESKTOP, locale: 'en-GB' });
    const page = await context.newPage();
    const seen = watchConsole(page, 'no tiles');
    await page.route('**/map/tiles/**', (route) => route.abort('connectionrefused'));
    await page.goto(`${system.base}/?place=helsinki`);
    const map = page.getByTestId('events-map');
    await map.and(page.locator('[data-map-state="outlines"]')).waitFor({ timeout: 30_000 });
    await map.getByRole('status').filter({ hasText: 'Street map unavailable: showing outlines' }).waitFor();
    await map.getByText('Natural Earth').waitFor();
    await shot(page, 'streets-fallback-desktop');
    await assertAccessible(page, 'discover with outlines');
    // the refused tiles are the only errors the browser reports
    assert.deepEqual(seen.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e.text)), []);
    await context.close();
  });
});
