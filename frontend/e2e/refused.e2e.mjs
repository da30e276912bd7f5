// The pages when the API refuses them, in Debian's Chromium against the real services: a
// member banned with the chat open and let back in (it must come back by itself), and an alert
// closed behind its sender's back. What each page asks the API meanwhile is counted from the
// browser's own response events.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSystem } from './system.mjs';
import { api, liftBansOf, resolveAlertsOf } from './api.mjs';
import { DESKTOP, LULEA, PHONE, isForeignConsoleError, launch, shot, signIn } from './browser.mjs';

const stamp = Date.now().toString(36);
const CREW = `Banned and back ${stamp}`;
const ALERT = `Lost the others after the ban (${stamp})`;
const ALERT_ELSEWHERE = `Phone in my pocket, walking home (${stamp})`;
const MISSED = `Sent while you were banned (${stamp})`;
// The sizes the chat is looked at after the ban is lifted.
const PHONE_390 = { ...PHONE, viewport: { width: 390, height: 844 } };
const DESKTOP_1280 = { width: 1280, height: 800 };

let system;
let browser;
let alice;
let bob;
let alicePage;
let bobPage;
let crewId = '';
let bobId = '';
let ban = null;
let alert = null;
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

/** Console errors, less what the browser itself logs for a request refused while banned. */
function assertNoConsoleErrors({ banned = false } = {}) {
  const bad = errors.filter((e) => !isForeignConsoleError(e) && !(banned && /status of 403/.test(e.text)));
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
const chatOpen = (page) => page.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 20_000 });

describe('The pages when the API refuses them: a ban and its lift, an alert closed elsewhere', { timeout: 300_000 }, () => {
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
    bobId = (await api(system.base, 'bob', '/api/v1/users/me/')).id;

    browser = await launch();
    alice = await browser.newContext({ ...DESKTOP, locale: 'en-GB' });
    bob = await browser.newContext({ ...PHONE_390, geolocation: LULEA, permissions: ['geolocation'], locale: 'en-GB' });
    alicePage = await alice.newPage();
    bobPage = await bob.newPage();
    watchErrors(alicePage, 'alice');
    watchErrors(bobPage, 'bob');
    await signIn(alicePage, system.base, 'alice');
    await signIn(bobPage, system.base, 'bob');
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

  it('bob, banned with his alert open, asks the safety API nothing while banned: no alert read, no position sent', async () => {
    const answers = recordApi(bobPage);
    await alicePage.goto(`${system.base}/crews/${crewId}/chat`);
    await bobPage.goto(`${system.base}/crews/${crewId}/chat`);
    await chatOpen(alicePage);
    await chatOpen(bobPage);
    await alicePage.getByText('2 online').waitFor({ timeout: 10_000 });

    // bob's alert (raised from his other device: this page learns it from the crew's socket), and its trail starts here
    alert = await api(system.base, 'bob', '/api/v1/safety/alerts/', {
      method: 'POST',
      body: { group_ids: [crewId], alert_type: 'lost', message: ALERT, location: { lat: LULEA.latitude, lng: LULEA.longitude, accuracy_m: 20 } },
    });
    await answered(answers, (a) => trailPosts([a], alert.id).length && a.status === 201, { what: 'the first position of the trail' });
    const stopWalking = walk(bob);

    // maria bans bob through the moderation API; his chat closes and says why
    ban = await api(system.base, 'maria', '/api/v1/moderation/bans/', {
      method: 'POST',
      body: { user_id: bobId, reason: 'Harassing other members (end-to-end test of a lifted ban).' },
    });
    await bobPage.getByRole('alert').getByText('Your account is banned; the chat is closed.').waitFor({ timeout: 15_000 });
    const bannedAt = Date.now();
    // while alice answers his alert three times (each reaches his own socket as a notification) and he walks on
    for (const kind of ['seen', 'on_my_way', 'with_them']) {
      await api(system.base, 'alice', `/api/v1/safety/alerts/${alert.id}/acknowledge/`, { method: 'POST', body: { kind } });
      await bobPage.waitForTimeout(3_000);
    }
    await bobPage.waitForTimeout(12_000); // 21 s in all: a position was due at least once
    stopWalking();

    const asked = answers.filter((a) => a.at >= bannedAt && a.path.startsWith('/api/v1/safety/'));
    console.log(`bob's page, banned for 21 s: ${JSON.stringify(asked.map((a) => `${a.method} ${a.path} ${a.status}`))}`);
    assert.deepEqual(asked, [], 'a banned page asks the safety API nothing (every answer would be 403)');
    // only whether the ban still holds: users/me, once in 20 s (refused while it does)
    const checks = answers.filter((a) => a.at >= bannedAt && a.path === '/api/v1/users/me/');
    assert.ok(checks.length >= 1 && checks.length <= 2, `users/me asked ${checks.length} times in 21 s`);
    assert.deepEqual([...new Set(checks.map((a) => a.status))], [403]);
    await shot(bobPage, 'chat-banned-390');
    assertNoConsoleErrors({ banned: true });
  });

  it('when the ban is lifted, bob\'s chat comes back by itself: open, what he missed, who is online now, his alert with its answers', async () => {
    assert.ok(ban && alert, 'the first test banned bob with his alert open');
    const answers = recordApi(bobPage);
    // during the ban alice writes, then leaves CrewUp (online is anywhere in the app: its
    // pages listen to every crew of hers for alerts)
    await alicePage.getByLabel('Message', { exact: true }).fill(MISSED);
    await alicePage.getByRole('button', { name: 'Send' }).click();
    await alicePage.locator('.msg-mine .msg-body', { hasText: MISSED }).waitFor();
    await alicePage.goto('about:blank');

    const stopWalking = walk(bob);
    await api(system.base, 'maria', `/api/v1/moderation/bans/${ban.id}/lift/`, { method: 'POST', body: { reason: 'Lifted: the end-to-end test checks the recovery.' } });
    const liftedAt = Date.now();
    ban = null;

    // no reload: the same page, open again
    await bobPage.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 45_000 });
    console.log(`bob's chat open again ${Date.now() - liftedAt} ms after the lift`);
    assert.equal(await bobPage.getByText('Your account is banned; the chat is closed.').count(), 0);
    await bobPage.locator('.msg-body', { hasText: MISSED }).waitFor({ timeout: 10_000 });
    // (and his alert's notice in the stream names him)
    await bobPage.locator('.msg-system', { hasText: /^Safety alert from Bob/ }).first().waitFor();
    // presence as it is now: alice left during the ban (before it, both were online)
    const presence = bobPage.getByTestId('chat-presence');
    await presence.filter({ hasText: /^1 online: / }).waitFor({ timeout: 10_000 });
    assert.doesNotMatch(await presence.innerText(), /alice/i);
    // and it follows: alice comes back
    await alicePage.goto(`${system.base}/crews/${crewId}/chat`);
    await chatOpen(alicePage);
    await presence.filter({ hasText: /^2 online: / }).waitFor({ timeout: 15_000 });
    assert.match(await presence.innerText(), /alice/i);

    // bob writes again
    await bobPage.getByLabel('Message', { exact: true }).fill(`Back again (${stamp})`);
    await bobPage.getByRole('button', { name: 'Send' }).click();
    await alicePage.locator('.msg-body', { hasText: `Back again (${stamp})` }).waitFor({ timeout: 10_000 });

    // his alert is followed again: alice's answers given during the ban, and its trail
    const card = bobPage.getByRole('alert', { name: 'Live safety alerts' }).locator('[data-testid="alert-card"]', { hasText: ALERT });
    await card.getByText(/: With them/).waitFor({ timeout: 15_000 });
    await answered(answers, (a) => a.at >= liftedAt && trailPosts([a], alert.id).length && a.status === 201, { what: 'a position of the trail after the lift' });
    stopWalking();
    assert.deepEqual(answers.filter((a) => a.at >= liftedAt && a.status === 403), [], 'nothing refused once the ban was lifted');

    // how it looks: a 390 px phone and a 1280 px desktop, from the top (his alert's card, the chat's state)
    await bobPage.evaluate(() => window.scrollTo(0, 0));
    await shot(bobPage, 'chat-ban-lifted-390');
    await bobPage.setViewportSize(DESKTOP_1280);
    await shot(bobPage, 'chat-ban-lifted-1280');
    await bobPage.setViewportSize(PHONE_390.viewport);
    await api(system.base, 'bob', `/api/v1/safety/alerts/${alert.id}/resolve/`, { method: 'POST', body: { note: 'Found the others.' } });
    await card.waitFor({ state: 'detached', timeout: 15_000 });
    assertNoConsoleErrors({ banned: true }); // (the 403s are the ones from before the lift)
  });

  it('a chat opened while banned loads by itself once the ban is lifted: nothing live tells it, it asks every 20 s', async () => {
    ban = await api(system.base, 'maria', '/api/v1/moderation/bans/', {
      method: 'POST',
      body: { user_id: bobId, reason: 'Banned again to open the chat while banned (end-to-end test).' },
    });
    const answers = recordApi(bobPage);
    await bobPage.goto(`${system.base}/crews/${crewId}/chat`);
    await bobPage.getByText('Your account is banned.', { exact: true }).waitFor({ timeout: 15_000 });
    assert.equal(await bobPage.locator('[data-testid="chat-state"]').count(), 0);

    await api(system.base, 'maria', `/api/v1/moderation/bans/${ban.id}/lift/`, { method: 'POST', body: { reason: 'Lifted: the end-to-end test checks the recovery.' } });
    const liftedAt = Date.now();
    ban = null;
    await bobPage.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 45_000 });
    console.log(`bob's chat, opened while banned, open ${Date.now() - liftedAt} ms after the lift`);
    await bobPage.locator('.msg-body', { hasText: MISSED }).waitFor({ timeout: 10_000 });
    await bobPage.getByTestId('chat-presence').filter({ hasText: /^2 online: / }).waitFor({ timeout: 10_000 });
    // found by asking: users/me refused while banned, then answered
    const checks = answers.filter((a) => a.path === '/api/v1/users/me/');
    assert.equal(checks.at(-1)?.status, 200, JSON.stringify(checks));
    assert.ok(checks.at(-1).at >= liftedAt);
    assertNoConsoleErrors({ banned: true });
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
