// The SPA end to end, in Debian's Chromium, against the real services and identity provider:
// two people in two browser contexts (alice on a desktop, bob on a 375 px phone).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSystem } from './system.mjs';
import { liftBansOf, resolveAlertsOf, tokenFor } from './api.mjs';
import { DESKTOP, HELSINKI, PHONE, RESULTS, axeViolations, isForeignConsoleError, launch, shot, signIn, watchConsole } from './browser.mjs';

const stamp = Date.now().toString(36);
const TITLE = `E2E jazz night ${stamp}`;
const CREW = `Front row ${stamp}`;
const ALERT = `Lost my friends near the stage (${stamp})`;
const ALERT_INDOORS = `In the basement bar, no signal for the map (${stamp})`;
const ALERT_OFFLINE = `Phone lost its connection in the tunnel (${stamp})`;
const metrics = {};

let system;
let browser;
let alice;
let bob;
let alicePage;
let bobPage;
let errors = [];
let eventUrl = '';
let crewId = '';

function unexpected(list) {
  return list.filter((e) => !isForeignConsoleError(e));
}

function assertNoConsoleErrors() {
  const bad = unexpected(errors);
  errors.length = 0;
  assert.deepEqual(bad, [], `console errors:\n${bad.map((e) => `${e.page}: ${e.text} ${e.url}`).join('\n')}`);
}

async function assertAccessible(page, name) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: axe found ${JSON.stringify(violations, null, 1)}`);
}

describe('CrewUp in a real browser', { timeout: 300_000 }, () => {
  before(async () => {
    system = await startSystem();
    await liftBansOf(system.base, 'bob');
    await resolveAlertsOf(system.base, 'bob');
    browser = await launch();
    alice = await browser.newContext({ ...DESKTOP, geolocation: HELSINKI, permissions: ['geolocation'], locale: 'en-GB' });
    bob = await browser.newContext({ ...PHONE, geolocation: HELSINKI, permissions: ['geolocation'], locale: 'en-GB' });
    alicePage = await alice.newPage();
    bobPage = await bob.newPage();
    errors = [...watchConsole(alicePage, 'alice'), ...watchConsole(bobPage, 'bob')];
    // one list for both pages
    const shared = [];
    alicePage.removeAllListeners('console');
    bobPage.removeAllListeners('console');
    alicePage.removeAllListeners('pageerror');
    bobPage.removeAllListeners('pageerror');
    for (const [page, name] of [[alicePage, 'alice'], [bobPage, 'bob']]) {
      page.on('console', (m) => m.type() === 'error' && shared.push({ page: name, text: m.text(), url: m.location()?.url ?? '' }));
      page.on('pageerror', (e) => shared.push({ page: name, text: `pageerror: ${e.message}`, url: '' }));
    }
    errors = shared;
  });

  after(async () => {
    writeFileSync(path.join(RESULTS, 'metrics.json'), JSON.stringify(metrics, null, 2));
    if (system) {
      await liftBansOf(system.base, 'bob');
      await resolveAlertsOf(system.base, 'bob');
    }
    await browser?.close();
    await system?.stop();
  });

  it('shows Discover with the street map and measures its first render', async () => {
    const page = alicePage;
    await page.goto(`${system.base}/`);
    await page.waitForFunction(() => window.__crewupDiscoverRendered !== undefined, null, { timeout: 30_000 });
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        discoverResultsRenderedMs: Math.round(window.__crewupDiscoverRendered),
        firstContentfulPaintMs: fcp ? Math.round(fcp.startTime) : null,
        domContentLoadedMs: nav ? Math.round(nav.domContentLoadedEventEnd) : null,
      };
    });
    metrics.discoverDesktop = timing;
    console.log(`discover first render: ${JSON.stringify(timing)}`);
    // the street map's style loaded (our own, from /map/)
    await page.locator('[data-testid="events-map"][data-map-state="streets"]').waitFor({ timeout: 15_000 });
    await page.locator('[data-testid="event-list"] li').first().waitFor();
    assert.match(await page.locator('#results-heading').innerText(), /\d+ events?/);
    await shot(page, 'discover-desktop-signed-out');
    await assertAccessible(page, 'discover');
    assertNoConsoleErrors();
  });

  it('signs alice in (desktop) and bob in (phone) through the identity provider', async () => {
    await signIn(alicePage, system.base, 'alice');
    await signIn(bobPage, system.base, 'bob');
    await alicePage.getByRole('link', { name: 'My crews' }).waitFor({ timeout: 20_000 });
    assertNoConsoleErrors();
  });

  it('alice creates an event with its place picked on the map', async () => {
    const page = alicePage;
    await page.getByRole('link', { name: 'New event' }).click();
    await page.getByLabel('Title').fill(TITLE);
    await page.getByLabel('Type', { exact: true }).selectOption('concert');
    // the venue picked from the places search (scripts/run.sh loads the Helsinki extract)
    await page.getByRole('combobox', { name: 'Venue' }).fill('Musiikkitalo');
    await page.getByRole('option').filter({ has: page.locator('.combobox-name', { hasText: /^Musiikkitalo$/ }) }).click();
    assert.equal(await page.getByLabel('Address').inputValue(), 'Mannerheimintie 13A, Helsinki');
    assert.notEqual(await page.getByLabel('Latitude').inputValue(), '');
    await page.getByLabel('Capacity').fill('40');
    await page.getByLabel('Description').fill('A trio plays standards by the river.');
    const map = page.locator('.map-picker');
    await map.waitFor();
    const box = await map.boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.map-picker .pin-picked').waitFor();
    assert.notEqual(await page.getByLabel('Latitude').inputValue(), '');
    // then the exact spot, typed
    await page.getByLabel('Latitude').fill('60.1738');
    await page.getByLabel('Longitude').fill('24.9355');
    await shot(page, 'event-form-desktop');
    await assertAccessible(page, 'event form');
    await page.getByRole('button', { name: 'Create event' }).click();
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    eventUrl = page.url();
    assert.match(eventUrl, /\/events\/[0-9a-f-]{36}$/);
    assert.ok(await page.getByText('You are going.').isVisible());
    const ics = page.getByRole('link', { name: /Add to calendar/ });
    const response = await page.request.get(await ics.getAttribute('href'));
    assert.equal(response.status(), 200);
    assert.match(await response.text(), /BEGIN:VEVENT[\s\S]*SUMMARY:E2E jazz night/);
    assertNoConsoleErrors();
  });

  it('alice starts an open crew for it', async () => {
    const page = alicePage;
    await page.getByRole('button', { name: 'Start a crew' }).click();
    await page.getByLabel('Crew name').fill(CREW);
    await page.getByLabel('About the crew').fill('Meet at the door at 18:45.');
    await page.getByRole('button', { name: 'Create crew' }).click();
    await page.getByRole('heading', { level: 1, name: CREW }).waitFor();
    crewId = page.url().split('/crews/')[1];
    assert.match(crewId, /^[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    await shot(page, 'crew-desktop');
    await assertAccessible(page, 'crew page');
    await page.goto(eventUrl);
    await page.getByRole('heading', { name: 'Crews for this event' }).waitFor();
    await page.getByRole('link', { name: CREW, exact: true }).waitFor();
    await shot(page, 'event-desktop');
    await assertAccessible(page, 'event detail');
    assertNoConsoleErrors();
  });

  it('bob finds the event on the map by text and distance, and joins the crew (phone)', async () => {
    const page = bobPage;
    await page.goto(`${system.base}/`);
    await page.waitForFunction(() => window.__crewupDiscoverRendered !== undefined, null, { timeout: 30_000 });
    const started = await page.evaluate(() => performance.now());
    await page.getByLabel('Search').fill(TITLE);
    await page.getByLabel('Distance').selectOption('5');
    // the list follows the query: the text, the 5 km radius around Helsinki and the map's box
    await page.getByRole('heading', { name: '1 event', exact: true }).waitFor({ timeout: 15_000 });
    const item = page.locator('[data-testid="event-list"] li', { hasText: TITLE });
    await item.waitFor();
    assert.equal(await page.locator('[data-testid="event-list"] li').count(), 1);
    const marker = page.locator(`[data-testid="events-map"] .pin[title="${TITLE}"]`);
    await marker.waitFor();
    metrics.searchToResultMs = Math.round((await page.evaluate(() => performance.now())) - started);
    assert.match(await item.innerText(), /km away/);
    // the query the map and filters made: the box, the text, and the radius around Helsinki
    await shot(page, 'discover-phone');
    await assertAccessible(page, 'discover (phone)');
    // a desktop finds the same: the area (place and radius) decides, not the map's viewport
    await alicePage.goto(page.url());
    await alicePage.getByRole('heading', { name: '1 event', exact: true }).waitFor({ timeout: 15_000 });
    // the pin opens a preview (what, when, how many go) and marks the event in the list
    await marker.click();
    const preview = page.getByTestId('map-preview');
    await preview.getByText(/\d+ going/).waitFor();
    assert.equal(await item.getAttribute('aria-current'), 'true');
    await shot(page, 'discover-pin-preview-phone');
    await preview.getByRole('link', { name: TITLE }).click();
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor();
    await page.getByRole('button', { name: 'Going', exact: true }).click();
    await page.getByText('You are going.').waitFor();
    await page.getByRole('button', { name: `Join ${CREW}` }).click();
    await page.getByRole('link', { name: `Open chat ${CREW}` }).waitFor();
    await shot(page, 'event-phone');
    await assertAccessible(page, 'event detail (phone)');
    assertNoConsoleErrors();
  });

  it('alice and bob chat live: messages, typing, presence, edits', async () => {
    await bobPage.getByRole('link', { name: `Open chat ${CREW}` }).click();
    await alicePage.goto(`${system.base}/crews/${crewId}/chat`);
    for (const page of [alicePage, bobPage]) await page.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 15_000 });
    await alicePage.getByText('2 online').waitFor({ timeout: 10_000 });

    await alicePage.getByLabel('Message', { exact: true }).fill('Hi Bob! See you at the door?');
    await alicePage.getByRole('button', { name: 'Send' }).click();
    await bobPage.locator('.msg-body', { hasText: 'Hi Bob! See you at the door?' }).waitFor({ timeout: 10_000 });

    await bobPage.getByLabel('Message', { exact: true }).pressSequentially('Yes', { delay: 30 });
    await alicePage.getByText(/bob is typing|Bob.* is typing/i).waitFor({ timeout: 10_000 });
    await bobPage.getByLabel('Message', { exact: true }).press('Enter');
    await alicePage.locator('.msg-body', { hasText: /^Yes$/ }).waitFor({ timeout: 10_000 });

    const mine = alicePage.locator('.msg-mine', { hasText: 'See you at the door?' });
    await mine.getByRole('button', { name: 'Edit' }).click();
    await alicePage.getByLabel('Edit message').fill('Hi Bob! See you at the door at 18:45?');
    await alicePage.getByRole('button', { name: 'Save' }).click();
    await bobPage.locator('.msg-body', { hasText: 'at 18:45?' }).waitFor({ timeout: 10_000 });
    await bobPage.getByText('(edited)').waitFor();

    await shot(alicePage, 'chat-desktop');
    await shot(bobPage, 'chat-phone');
    await assertAccessible(alicePage, 'chat');
    await assertAccessible(bobPage, 'chat (phone)');
    assertNoConsoleErrors();
  });

  it('the chat reconnects and catches up after going offline', async () => {
    await bob.setOffline(true);
    await bobPage.evaluate(() => window.dispatchEvent(new Event('offline')));
    await bobPage.locator('[data-testid="chat-state"][data-state="offline"]').waitFor({ timeout: 10_000 });
    await shot(bobPage, 'chat-offline-phone');
    // a message sent meanwhile arrives on reconnect (`?after=<last seen>`)
    await alicePage.getByLabel('Message', { exact: true }).fill('Sent while you were offline');
    await alicePage.getByRole('button', { name: 'Send' }).click();
    await alicePage.locator('.msg-mine .msg-body', { hasText: 'Sent while you were offline' }).waitFor();
    await bob.setOffline(false);
    await bobPage.evaluate(() => window.dispatchEvent(new Event('online')));
    await bobPage.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 20_000 });
    await bobPage.locator('.msg-body', { hasText: 'Sent while you were offline' }).waitFor({ timeout: 10_000 });
    assertNoConsoleErrors();
  });

  it('the safety button needs a hold and can be cancelled during the countdown', async () => {
    const page = bobPage;
    await page.getByRole('button', { name: /Safety/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel(CREW).waitFor();
    const hold = dialog.getByRole('button', { name: 'Hold to send alert' });
    await shot(page, 'safety-dialog-phone');
    await assertAccessible(page, 'safety dialog');
    // a tap does nothing
    await hold.click();
    assert.equal(await dialog.getByRole('timer').count(), 0);
    const box = await hold.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.waitForTimeout(1800);
    await page.mouse.up();
    await dialog.getByRole('timer').waitFor();
    await dialog.getByRole('button', { name: 'Cancel, do not send' }).click();
    await hold.waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    assertNoConsoleErrors();
  });

  it('bob raises a safety alert; alice sees it live and acknowledges; bob sees it and resolves', async () => {
    const page = bobPage;
    await page.getByRole('button', { name: /Safety/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('What is happening').selectOption('help');
    await dialog.getByLabel('Message (optional)').fill(ALERT);
    const hold = dialog.getByRole('button', { name: 'Hold to send alert' });
    await hold.focus();
    await page.keyboard.down('Space');
    await page.waitForTimeout(1800);
    await page.keyboard.up('Space');
    await dialog.getByRole('timer').waitFor();
    await dialog.getByText('Your alert was sent to your crew.').waitFor({ timeout: 20_000 });
    const banner = alicePage.locator('[data-testid="alert-card"]', { hasText: ALERT });
    await banner.waitFor({ timeout: 20_000 });
    await shot(alicePage, 'alert-banner-desktop');
    await assertAccessible(alicePage, 'alert banner');
    await banner.getByRole('button', { name: 'On my way' }).click();
    // The answer reaches the sender's tab as a frame on the crew's socket (nothing polls); allow a loaded CI.
    await dialog.getByText(/On my way/).waitFor({ timeout: 25_000 });
    await shot(page, 'alert-sent-phone');
    await dialog.getByRole('button', { name: 'I am safe: resolve' }).click();
    await banner.waitFor({ state: 'detached', timeout: 25_000 });
    assertNoConsoleErrors();
  });

  it('with location permission denied, the alert still reaches the crew', async () => {
    // bob again, on a phone whose browser refuses location access (a context that never granted it)
    const denied = await browser.newContext({ ...PHONE, locale: 'en-GB' });
    const page = await denied.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push({ page: 'bob (no location)', text: m.text(), url: m.location()?.url ?? '' }));
    page.on('pageerror', (e) => errors.push({ page: 'bob (no location)', text: `pageerror: ${e.message}`, url: '' }));
    await signIn(page, system.base, 'bob');
    const answer = await page.evaluate(
      () =>
        new Promise((resolve) =>
          navigator.geolocation.getCurrentPosition(
            () => resolve('position'),
            (error) => resolve(error.code === error.PERMISSION_DENIED ? 'denied' : `error ${error.code}`),
            { timeout: 5000 },
          ),
        ),
    );
    assert.equal(answer, 'denied');

    await page.getByRole('button', { name: /Safety/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(CREW).waitFor();
    await dialog.getByLabel('What is happening').selectOption('lost');
    await dialog.getByLabel('Message (optional)').fill(ALERT_INDOORS);
    const hold = dialog.getByRole('button', { name: 'Hold to send alert' });
    await hold.focus();
    await page.keyboard.down('Space');
    await page.waitForTimeout(1800);
    await page.keyboard.up('Space');
    await dialog.getByRole('timer').waitFor();
    const countdownEnded = Date.now() + 5000;
    // sent at once when the countdown ends: no waiting for a fix that will never come
    await dialog.getByText('Your alert was sent to your crew.').waitFor({ timeout: 20_000 });
    metrics.alertWithoutPositionSentAfterCountdownMs = Math.max(0, Date.now() - countdownEnded);
    await dialog.getByText('Your crew was alerted without your position').waitFor();
    assert.equal(await dialog.getByRole('link', { name: 'Call 112' }).getAttribute('href'), 'tel:112');
    await dialog.getByTestId('position-unknown').waitFor();
    await shot(page, 'alert-no-position-sent-phone');
    await assertAccessible(page, 'alert sent without a position (phone)');

    // alice, in the crew, gets it: the card at the top of her screen says the position is not known yet
    const banner = alicePage.locator('[data-testid="alert-card"]', { hasText: ALERT_INDOORS });
    await banner.waitFor({ timeout: 20_000 });
    assert.equal(await banner.getByTestId('position-unknown').innerText(), 'Position not known yet');
    assert.equal(await banner.locator('.map-alert').count(), 0);
    await shot(alicePage, 'alert-no-position-banner-desktop');
    await assertAccessible(alicePage, 'alert banner without a position');
    await alicePage.setViewportSize(PHONE.viewport);
    await shot(alicePage, 'alert-no-position-banner-phone');
    await alicePage.setViewportSize(DESKTOP.viewport);
    // and the notice is in the crew's chat stream, without a position
    const history = await fetch(`${system.base}/api/v1/groups/${crewId}/messages/`, { headers: { Authorization: `Bearer ${await tokenFor('alice')}` } });
    assert.equal(history.status, 200);
    const notice = (await history.json()).results.find((m) => m.kind === 'safety_alert' && m.data?.alert?.message === ALERT_INDOORS);
    assert.ok(notice, 'the alert notice is in the crew chat');
    assert.equal(notice.data.alert.location, null);
    assert.equal(notice.data.change, 'raised');

    await dialog.getByRole('button', { name: 'I am safe: resolve' }).click();
    await banner.waitFor({ state: 'detached', timeout: 25_000 });
    await denied.close();
    assertNoConsoleErrors();
  });

  it('an alert raised offline waits on the phone, says so with 112, and reaches the crew when back online', async () => {
    const page = bobPage;
    await page.goto(`${system.base}/crews/${crewId}`);
    await page.getByRole('heading', { level: 1, name: CREW }).waitFor();
    await bob.setOffline(true);
    await page.evaluate(() => window.dispatchEvent(new Event('offline')));
    await page.getByRole('button', { name: /Safety/ }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(CREW).waitFor();
    await dialog.getByLabel('Message (optional)').fill(ALERT_OFFLINE);
    const hold = dialog.getByRole('button', { name: 'Hold to send alert' });
    await hold.focus();
    await page.keyboard.down('Space');
    await page.waitForTimeout(1800);
    await page.keyboard.up('Space');
    await dialog.getByRole('timer').waitFor();
    await dialog.getByTestId('alert-queued-notice').waitFor({ timeout: 15_000 });
    assert.equal(await dialog.getByRole('link', { name: 'Call 112' }).getAttribute('href'), 'tel:112');
    await shot(page, 'alert-queued-phone');
    // kept in IndexedDB, where a reload or the service worker finds it
    const kept = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const open = indexedDB.open('crewup-alert-queue');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const all = open.result.transaction('alerts', 'readonly').objectStore('alerts').getAll();
            all.onsuccess = () => resolve(all.result.map((entry) => entry.input.message));
            all.onerror = () => reject(all.error);
          };
        }),
    );
    assert.deepEqual(kept, [ALERT_OFFLINE]);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('alert-queued').waitFor();
    // back online: it goes at once, and alice sees it
    await bob.setOffline(false);
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    const banner = alicePage.locator('[data-testid="alert-card"]', { hasText: ALERT_OFFLINE });
    await banner.waitFor({ timeout: 20_000 });
    await page.getByTestId('alert-queued').waitFor({ state: 'detached', timeout: 10_000 });
    // (the closed dialog holds a copy of the card too: take the one in the banners)
    const mine = page.getByRole('alert', { name: 'Live safety alerts' }).locator('[data-testid="alert-card"]', { hasText: ALERT_OFFLINE });
    await mine.waitFor();
    await mine.getByRole('button', { name: 'I am safe: resolve' }).click();
    await banner.waitFor({ state: 'detached', timeout: 25_000 });
    // sent once: one notice for it in the crew's chat
    const history = await fetch(`${system.base}/api/v1/groups/${crewId}/messages/`, { headers: { Authorization: `Bearer ${await tokenFor('alice')}` } });
    const notices = (await history.json()).results.filter((m) => m.kind === 'safety_alert' && m.data?.alert?.message === ALERT_OFFLINE && m.data.change === 'raised');
    assert.equal(notices.length, 1);
    // a failed fetch while offline is the browser's own console error, not the app's
    errors.splice(0, errors.length, ...errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e.text)));
    assertNoConsoleErrors();
  });

  it('profile, crews and safety pages render at both sizes, in English and Swedish', async () => {
    for (const [page, size] of [[alicePage, 'desktop'], [bobPage, 'phone']]) {
      await page.goto(`${system.base}/crews`);
      await page.getByRole('link', { name: CREW, exact: true }).waitFor();
      await shot(page, `crews-${size}`);
      await assertAccessible(page, `crews (${size})`);
      await page.goto(`${system.base}/profile`);
      await page.getByRole('heading', { name: 'Profile' }).waitFor();
      await page.getByLabel('Display name').waitFor();
      await shot(page, `profile-${size}`);
      await assertAccessible(page, `profile (${size})`);
      await page.goto(`${system.base}/safety`);
      await page.getByRole('heading', { name: 'Check-in timers' }).waitFor();
      await page.locator('.loading').waitFor({ state: 'detached' });
      await shot(page, `safety-${size}`);
      await assertAccessible(page, `safety (${size})`);
    }
    await alicePage.getByLabel('Language').selectOption('sv');
    await alicePage.getByRole('heading', { name: 'Incheckningstimer' }).waitFor();
    await alicePage.goto(`${system.base}/`);
    await alicePage.getByRole('link', { name: 'Upptäck' }).waitFor();
    await shot(alicePage, 'discover-desktop-sv');
    await alicePage.getByLabel('Språk').selectOption('en');
    assertNoConsoleErrors();
  });

  it('a tab left idle on Discover, a crew chat and Safety makes at most 2 requests a minute (issue #13)', async () => {
    // 30 s a page (at least 3 s to settle after the load, then a 27 s window): at most one
    // request to the API in each window, and no socket opened again (a reconnect storm would
    // show here).
    const page = alicePage;
    const pages = [
      ['discover', '/', () => page.waitForFunction(() => window.__crewupDiscoverRendered !== undefined, null, { timeout: 30_000 })],
      ['chat', `/crews/${crewId}/chat`, () => page.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 15_000 })],
      ['safety', '/safety', async () => {
        await page.getByRole('heading', { name: 'Check-in timers' }).waitFor();
        await page.locator('.loading').waitFor({ state: 'detached' });
      }],
    ];
    metrics.idleRequests = {};
    for (const [name, path, loaded] of pages) {
      // Settled: loaded, and 3 s without a socket opening (a user in many crews opens one per
      // crew as the page starts, which takes longer than 3 s on a busy machine).
      let lastOpened = Date.now();
      const onOpening = () => { lastOpened = Date.now(); };
      page.on('websocket', onOpening);
      await page.goto(`${system.base}${path}`);
      await loaded();
      const settling = Date.now();
      do {
        await page.waitForTimeout(500);
      } while ((Date.now() - lastOpened < 3_000 || Date.now() - settling < 3_000) && Date.now() - settling < 30_000);
      page.off('websocket', onOpening);
      const requests = [];
      const sockets = [];
      const onRequest = (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname}${url.search}`);
      };
      const onSocket = (socket) => sockets.push(new URL(socket.url()).pathname);
      page.on('request', onRequest);
      page.on('websocket', onSocket);
      await page.waitForTimeout(27_000);
      page.off('request', onRequest);
      page.off('websocket', onSocket);
      metrics.idleRequests[name] = { windowSeconds: 27, requests, socketsOpened: sockets };
      console.log(`idle on ${name} for 27 s: ${requests.length} API requests ${JSON.stringify(requests)}, ${sockets.length} sockets opened`);
      assert.ok(requests.length <= 1, `${name}: ${requests.length} API requests in 27 idle seconds: ${requests.join(', ')}`);
      assert.ok(sockets.length <= 1, `${name}: ${sockets.length} sockets opened in 27 idle seconds: ${sockets.join(', ')}`);
    }
    assertNoConsoleErrors();
  });

  it('maria bans bob in the moderator console (Django admin); his open chat closes at once; she lifts it, and it opens again', async () => {
    // bob has the crew's chat open
    await bobPage.goto(`${system.base}/crews/${crewId}/chat`);
    await bobPage.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 15_000 });

    // maria signs in to the console through the identity provider (authorization code + PKCE)
    const maria = await browser.newContext({ ...DESKTOP, locale: 'en-GB' });
    const console_ = await maria.newPage();
    await console_.goto(`${system.base}/admin/`);
    await console_.waitForURL(/\/realms\/crewup\/login\//);
    await console_.getByLabel('Username').fill('maria');
    await console_.getByLabel('Password').fill('maria-pass-2026');
    await console_.getByRole('button', { name: 'Sign in' }).click();
    await console_.waitForURL(`${system.base}/admin/`);
    await console_.getByRole('link', { name: 'Users' }).first().waitFor();

    // Users → search bob → tick him → "Ban the selected users" → a reason → Confirm
    await console_.goto(`${system.base}/admin/accounts/user/?q=bob`);
    const row = console_.locator('#result_list tbody tr', { hasText: 'bob' }).first();
    await row.locator('input.action-select').check();
    await console_.locator('select[name="action"]').selectOption('ban_users');
    await console_.getByRole('button', { name: 'Go', exact: true }).click();
    await console_.getByLabel('Reason').fill('Harassing other members in crew chats (end-to-end test).');
    await shot(console_, 'admin-ban-form-desktop');
    const banned = Date.now();
    await console_.getByRole('button', { name: 'Confirm' }).click();
    await console_.getByText('Banned 1 user(s).').waitFor();

    // bob's chat closes with the ban's reason: the ban travelled console → outbox → RabbitMQ → group service → his socket
    await bobPage.locator('[data-testid="chat-state"][data-state="removed"]').waitFor({ timeout: 15_000 });
    metrics.banToChatClosedMs = Date.now() - banned;
    await bobPage.getByRole('alert').getByText('Your account is banned; the chat is closed.').waitFor();
    assert.equal(await bobPage.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await shot(bobPage, 'chat-banned-phone');
    const refused = await fetch(`${system.base}/api/v1/groups/${crewId}/`, { headers: { Authorization: `Bearer ${await tokenFor('bob')}` } });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error.code, 'user_banned');

    // the ban is in the console's list; maria lifts it there
    await console_.goto(`${system.base}/admin/accounts/user/?q=bob`);
    await console_.locator('#result_list tbody tr', { hasText: 'bob' }).first().locator('input.action-select').check();
    await console_.locator('select[name="action"]').selectOption('unban_users');
    await console_.getByRole('button', { name: 'Go', exact: true }).click();
    await console_.getByLabel('Reason').fill('Lifted at the end of the end-to-end test.');
    await console_.getByRole('button', { name: 'Confirm' }).click();
    await console_.getByText('Lifted the bans of 1 user(s).').waitFor();
    await maria.close();
    // bob's chat comes back by itself, without a reload
    await bobPage.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 45_000 });
    // what bob's page asked while banned was refused (403), which the browser logs as an error
    errors.splice(0, errors.length, ...errors.filter((e) => !(e.page === 'bob' && /status of 403/.test(e.text))));
    assertNoConsoleErrors();
  });
});
