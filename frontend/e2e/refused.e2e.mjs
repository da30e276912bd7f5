// The pages when the API refuses them, in Debian's Chromium against the real services: an
// alert closed behind its sender's back. What the page asks the API meanwhile is counted from
// the browser's own response events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSystem } from './system.mjs';
import { api, liftBansOf, resolveAlertsOf } from './api.mjs';
import { LULEA, PHONE, isForeignConsoleError, launch, signIn } from './browser.mjs';

const stamp = Date.now().toString(36);
const CREW = `Banned and back ${stamp}`;
const ALERT_ELSEWHERE = `Phone in my pocket, walking home (${stamp})`;
const PHONE_390 = { ...PHONE, viewport: { width: 390, height: 844 } };

let system;
let browser;
let crewId = '';
const errors = [];
const moving = new Set();

/** Every answer the page got from the API, in order: `{ at, method, path, status }`. */
function recordApi(page) {
  const answers = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/api/')) answers.push({ at: Date.now(), method: response.request().method(), path: url.pathname, status: response.status() });
  });
  return answers;
}

function watchErrors(page, name) {
  page.on('console', (m) => m.type() === 'error' && errors.push({ page: name, text: m.text(), url: m.location()?.url ?? '' }));
  page.on('pageerror', (e) => errors.push({ page: name, text: `pageerror: ${e.message}`, url: '' }));
}

function assertNoConsoleErrors() {
  const bad = errors.filter((e) => !isForeignConsoleError(e));
  errors.length = 0;
  assert.deepEqual(bad, [], `console errors:\n${bad.map((e) => `${e.page}: ${e.text} ${e.url}`).join('\n')}`);
}

/** Walk: a new position every second (north, ~30 m a step), as a phone's watch reports them. */
function walk(context) {
  let latitude = LULEA.latitude;
  const timer = setInterval(() => {
    latitude += 0.0003;
    context.setGeolocation({ latitude, longitude: LULEA.longitude }).catch(() => {});
  }, 1000);
  moving.add(timer);
  return () => {
    clearInterval(timer);
    moving.delete(timer);
  };
}

/** Wait until the page has had an answer that `matches` (it may have come already). */
async function answered(answers, matches, { timeout = 20_000, what = 'an answer' } = {}) {
  const deadline = Date.now() + timeout;
  while (!answers.some(matches)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(answers.slice(-10))}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const trailPosts = (answers, id, since = 0) => answers.filter((a) => a.at >= since && a.method === 'POST' && a.path === `/api/v1/safety/alerts/${id}/locations/`);

describe('The pages when the API refuses them: an alert closed elsewhere', { timeout: 300_000 }, () => {
  before(async () => {
    system = await startSystem();
    await liftBansOf(system.base, 'bob');
    await resolveAlertsOf(system.base, 'bob');
    // alice's crew for an event tomorrow, and bob in it (set up through the API)
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const event = await api(system.base, 'alice', '/api/v1/events/', {
      method: 'POST',
      body: {
        title: `Ban and back ${stamp}`, event_type: 'concert', venue_name: 'Kulturens hus', address: 'Skeppsbrogatan 17, Luleå',
        starts_at: tomorrow.toISOString(), ends_at: new Date(tomorrow.getTime() + 3 * 3600_000).toISOString(),
        location: { lat: 65.5848, lng: 22.1547 },
      },
    });
    crewId = (await api(system.base, 'alice', '/api/v1/groups/', { method: 'POST', body: { event_id: event.id, name: CREW, max_members: 6 } })).id;
    await api(system.base, 'bob', `/api/v1/events/${event.id}/join/`, { method: 'POST', body: { status: 'going' } });
    await api(system.base, 'bob', `/api/v1/groups/${crewId}/join/`, { method: 'POST' });
    browser = await launch();
  });

  after(async () => {
    for (const timer of moving) clearInterval(timer);
    if (system) {
      await liftBansOf(system.base, 'bob');
      await resolveAlertsOf(system.base, 'bob');
    }
    await browser?.close();
    await system?.stop();
  });

  it('an alert resolved elsewhere ends its trail at the first 409, even where no socket brings the news', async () => {
    // bob's phone on a network that lets no WebSocket through (some proxies do): nothing
    // reaches this page live, and it learns of its alert from the API alone
    const context = await browser.newContext({ ...PHONE_390, geolocation: LULEA, permissions: ['geolocation'], locale: 'en-GB' });
    await context.routeWebSocket(/\/ws\//, (socket) => socket.close());
    const raised = await api(system.base, 'bob', '/api/v1/safety/alerts/', {
      method: 'POST',
      body: { group_ids: [crewId], alert_type: 'other', message: ALERT_ELSEWHERE, location: { lat: LULEA.latitude, lng: LULEA.longitude, accuracy_m: 20 } },
    });
    try {
      const page = await context.newPage();
      watchErrors(page, 'bob (no sockets)');
      const answers = recordApi(page);
      await signIn(page, system.base, 'bob');
      await page.goto(`${system.base}/crews/${crewId}/chat`);
      const card = page.getByRole('alert', { name: 'Live safety alerts' }).locator('[data-testid="alert-card"]', { hasText: ALERT_ELSEWHERE });
      await card.waitFor({ timeout: 20_000 });
      await answered(answers, (a) => trailPosts([a], raised.id).length && a.status === 201, { what: 'the first position of the trail' });
      const stopWalking = walk(context);

      // alice, the crew's owner, resolves it; bob walks on for 35 s (a position is due every 15 s)
      await api(system.base, 'alice', `/api/v1/safety/alerts/${raised.id}/resolve/`, { method: 'POST', body: { note: 'He is home, he called.' } });
      const resolvedAt = Date.now();
      await page.waitForTimeout(35_000);
      stopWalking();

      const after = trailPosts(answers, raised.id, resolvedAt);
      console.log(`positions sent after the resolution: ${JSON.stringify(after.map((a) => a.status))}`);
      assert.deepEqual(after.map((a) => a.status), [409], 'one position refused (409), then no more');
      // and the page learnt it is closed: the card is gone
      await card.waitFor({ state: 'detached', timeout: 5_000 });
      // a refused position is the browser's own console error, the socket failures the route's
      errors.splice(0, errors.length, ...errors.filter((e) => !(e.page === 'bob (no sockets)' && /status of 409|WebSocket/.test(e.text))));
      assertNoConsoleErrors();
    } finally {
      await context.close();
      await api(system.base, 'bob', `/api/v1/safety/alerts/${raised.id}/resolve/`, { method: 'POST', body: { note: 'Cleanup.' } }).catch(() => {});
    }
  });
});
