// CrewUp as an installable app, in Debian's Chromium: the service worker takes control, a push
// message delivered through the DevTools protocol shows a notification, the app shell opens
// offline, and (signed in, against the real services) the bell and the notification settings.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSystem } from './system.mjs';
import { api, databaseValue } from './api.mjs';
import { DESKTOP, PHONE, axeViolations, isForeignConsoleError, launch, shot, signIn } from './browser.mjs';

let system;
let browser;
let phone;
let page;
let errors = [];

/** Console errors, less the ones a page shows by design while the browser is offline. */
function assertNoConsoleErrors({ offline = false } = {}) {
  const bad = errors.filter(
    (e) => !isForeignConsoleError(e) && !(offline && /ERR_INTERNET_DISCONNECTED|Failed to fetch|WebSocket|net::ERR_/.test(e.text)),
  );
  errors.length = 0;
  assert.deepEqual(bad, [], `console errors:\n${bad.map((e) => `${e.text} ${e.url}`).join('\n')}`);
}

async function poll(what, read, { timeout = 15_000, every = 250 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** The notifications the app's service worker registration shows now, as plain objects. */
function shownNotifications(target) {
  return target.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data,
      requireInteraction: n.requireInteraction,
      actions: (n.actions ?? []).map((a) => ({ action: a.action, title: a.title })),
    }));
  });
}

function closeNotifications(target) {
  return target.evaluate(async () => {
    for (const n of await (await navigator.serviceWorker.ready).getNotifications()) n.close();
  });
}

describe('CrewUp as an installed app', { timeout: 240_000 }, () => {
  before(async () => {
    system = await startSystem();
    browser = await launch();
    phone = await browser.newContext({ ...PHONE, locale: 'en-GB', permissions: ['notifications'] });
    page = await phone.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push({ text: m.text(), url: m.location()?.url ?? '' }));
    page.on('pageerror', (e) => errors.push({ text: `pageerror: ${e.message}`, url: '' }));
  });

  after(async () => {
    await phone?.setOffline(false).catch(() => {});
    await browser?.close();
    await system?.stop();
  });

  it('installs its service worker, which controls the page after a reload and precaches the shell and the basemap', async () => {
    await page.goto(`${system.base}/`);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
    assert.equal(scope, `${system.base}/`);
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 });
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller.scriptURL), `${system.base}/sw.js`);

    // the manifest makes it installable
    const manifest = await page.evaluate(async () => {
      const response = await fetch(document.querySelector('link[rel="manifest"]').href);
      return { type: response.headers.get('content-type'), body: await response.json() };
    });
    assert.match(manifest.type, /^application\/manifest\+json/);
    assert.equal(manifest.body.name, 'CrewUp');
    assert.equal(manifest.body.display, 'standalone');
    assert.equal(manifest.body.start_url, '/');
    assert.deepEqual(
      manifest.body.icons.map((i) => `${i.sizes} ${i.purpose}`),
      ['192x192 any', '512x512 any', '512x512 maskable'],
    );

    // what the worker keeps: the shell and the offline map, never an API answer
    const cached = await poll('the precache', () =>
      page.evaluate(async () => {
        const paths = [];
        for (const name of await caches.keys()) {
          for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
        }
        return paths.some((p) => p.endsWith('/index.html')) ? paths : null;
      }),
    );
    assert.ok(cached.some((p) => /^\/assets\/countries-50m-[\w-]+\.json$/.test(p)), `no basemap in ${cached.join(', ')}`);
    assert.ok(cached.some((p) => /^\/assets\/index-[\w-]+\.js$/.test(p)));
    assert.ok(cached.includes('/config.json'));
    assert.deepEqual(cached.filter((p) => p.startsWith('/api/')), []);
    assertNoConsoleErrors();
  });

  it('shows a push message delivered through the DevTools protocol as a notification', async () => {
    const cdp = await phone.newCDPSession(page);
    const registrations = new Map();
    const activated = new Set();
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: list }) => {
      for (const r of list) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
    });
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions }) => {
      for (const v of versions) if (v.status === 'activated') activated.add(v.registrationId);
    });
    await cdp.send('ServiceWorker.enable');
    try {
      await deliverPushMessages(cdp, registrations, activated);
    } finally {
      // detached even when an assertion fails, so that the next tests get a page DevTools lets go of
      await cdp.detach().catch(() => {});
    }
    assertNoConsoleErrors();
  });

  async function deliverPushMessages(cdp, registrations, activated) {
    const registrationId = await poll('the registration', () => {
      const id = registrations.get(`${system.base}/`);
      return id && activated.has(id) ? id : null;
    });

    await closeNotifications(page);
    const alert = {
      id: 'e2e-n1',
      kind: 'safety.alert_raised',
      title: 'Safety alert from Bob',
      body: 'I am lost near the stage',
      url: '/safety?alert=e2e-a1',
      tag: 'alert-e2e-a1',
      urgent: true,
      ack: { url: '/api/v1/safety/alerts/e2e-a1/token-acknowledgements/', token: 'e2e-token' },
    };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: system.base, registrationId, data: JSON.stringify(alert) });
    const [shown] = await poll('the notification', async () => {
      const list = await shownNotifications(page);
      return list.length ? list : null;
    });
    assert.equal(shown.title, 'Safety alert from Bob');
    assert.equal(shown.body, 'I am lost near the stage');
    assert.equal(shown.tag, 'alert-e2e-a1');
    assert.equal(shown.requireInteraction, true);
    assert.deepEqual(shown.data, { id: 'e2e-n1', kind: 'safety.alert_raised', url: '/safety?alert=e2e-a1', ack: alert.ack });
    assert.deepEqual(shown.actions, [
      { action: 'seen', title: 'Seen' },
      { action: 'on_my_way', title: 'On my way' },
    ]);

    // The action titles follow the language stored when push was switched on (here: Swedish).
    await closeNotifications(page);
    await page.evaluate(async () => {
      const cache = await caches.open('crewup-settings-v1');
      await cache.put('/__crewup/worker-settings.json', new Response(JSON.stringify({ language: 'sv', vapidKey: null }), { headers: { 'Content-Type': 'application/json' } }));
    });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: system.base, registrationId, data: JSON.stringify({ ...alert, id: 'e2e-n2', title: 'Trygghetslarm från Bob' }) });
    const [swedish] = await poll('the Swedish notification', async () => {
      const list = await shownNotifications(page);
      return list.some((n) => n.title === 'Trygghetslarm från Bob') ? list.filter((n) => n.title === 'Trygghetslarm från Bob') : null;
    });
    assert.deepEqual(swedish.actions.map((a) => a.title), ['Sett', 'På väg']);

    // News that is not urgent: no actions, it may go away by itself.
    await closeNotifications(page);
    const news = { id: 'e2e-n3', kind: 'crew.join_approved', title: 'You are in Front row', body: '', url: '/crews/e2e-g1/chat', tag: 'e2e-n3', urgent: false };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: system.base, registrationId, data: JSON.stringify(news) });
    const [plain] = await poll('the plain notification', async () => {
      const list = await shownNotifications(page);
      return list.length ? list : null;
    });
    assert.equal(plain.requireInteraction, false);
    assert.deepEqual(plain.actions, []);
    await closeNotifications(page);
    await page.evaluate(async () => caches.delete('crewup-settings-v1'));
  }

  it("answers a crew mate's alert from the notification's action, and the sender sees it", async () => {
    // given a crew of alice and bob, and bob's alert, raised through the API
    const soon = new Date(Date.now() + 3 * 3600_000);
    const event = await api(system.base, 'alice', '/api/v1/events/', {
      method: 'POST',
      body: {
        title: `PWA night ${Date.now()}`, event_type: 'bar', venue_name: 'Bishops Arms', address: 'Storgatan 1, Luleå',
        starts_at: soon.toISOString(), ends_at: new Date(soon.getTime() + 3 * 3600_000).toISOString(),
        location: { lat: 65.584, lng: 22.154 },
      },
    });
    const crew = await api(system.base, 'alice', '/api/v1/groups/', { method: 'POST', body: { event_id: event.id, name: 'Lock screen crew', max_members: 6 } });
    await api(system.base, 'bob', `/api/v1/groups/${crew.id}/join/`, { method: 'POST' });
    const alert = await api(system.base, 'bob', '/api/v1/safety/alerts/', {
      method: 'POST',
      body: { group_ids: [crew.id], alert_type: 'lost', message: 'Lost you at the exit' },
    });
    try {
      // The push alice's phone gets carries her single-use token, made by the safety service.
      const alice = await api(system.base, 'alice', '/api/v1/users/me/');
      const token = databaseValue(
        `SELECT payload->'ack_tokens'->>'${alice.id}' FROM messaging_outboxmessage ` +
          `WHERE routing_key = 'alert.raised' AND payload->>'alert_id' = '${alert.id}'`,
      );
      assert.ok(token.length > 20, 'the alert event carries a token for alice');

      // when the push reaches the worker and alice taps "On my way" on the lock screen
      const cdp = await phone.newCDPSession(page);
      let registrationId;
      cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
        for (const r of registrations) if (!r.isDeleted && r.scopeURL === `${system.base}/`) registrationId = r.registrationId;
      });
      await cdp.send('ServiceWorker.enable');
      await poll('the registration', () => registrationId);
      await closeNotifications(page);
      const ack = { url: `/api/v1/safety/alerts/${alert.id}/token-acknowledgements/`, token };
      const push = { id: `n-${alert.id}`, kind: 'safety.alert_raised', title: 'Safety alert from Bob', body: 'Lost you at the exit', url: `/safety?alert=${alert.id}`, tag: `alert-${alert.id}`, urgent: true, ack };
      await cdp.send('ServiceWorker.deliverPushMessage', { origin: system.base, registrationId, data: JSON.stringify(push) });
      await poll('the notification', async () => (await shownNotifications(page)).length > 0);
      await cdp.detach();
      // No browser can click a system notification headless: the worker gets the same event
      // the browser would send it.
      const [worker] = phone.serviceWorkers();
      await worker.evaluate(async () => {
        const [notification] = await self.registration.getNotifications();
        try {
          // eslint-disable-next-line no-undef -- a service worker global
          self.dispatchEvent(new NotificationEvent('notificationclick', { notification, action: 'on_my_way' }));
        } catch {
          // waitUntil refuses a synthetic event; the answer was already on its way
        }
      });

      // then bob, the sender, sees alice's answer, and the notification is gone
      const answered = await poll('the acknowledgement', async () => {
        const detail = await api(system.base, 'bob', `/api/v1/safety/alerts/${alert.id}/`);
        return detail.acknowledgements.find((a) => a.user.id === alice.id);
      });
      assert.equal(answered.kind, 'on_my_way');
      await poll('the notification to close', async () => (await shownNotifications(page)).length === 0);
      // and the token cannot be used again
      const again = await fetch(`${system.base}${ack.url}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token, kind: 'seen' }) });
      assert.equal(again.status, 403);
    } finally {
      await api(system.base, 'bob', `/api/v1/safety/alerts/${alert.id}/resolve/`, { method: 'POST', body: { note: 'Found each other.' } });
    }
    assertNoConsoleErrors();
  });

  it('a join request approved reaches the requester live: the bell and My crews, no reload', async () => {
    // given alice's crew that takes requests, and bob signed in on My crews
    const soon = new Date(Date.now() + 5 * 3600_000);
    const event = await api(system.base, 'alice', '/api/v1/events/', {
      method: 'POST',
      body: {
        title: `Request night ${Date.now()}`, event_type: 'bar', venue_name: 'Bishops Arms', address: 'Storgatan 1, Luleå',
        starts_at: soon.toISOString(), ends_at: new Date(soon.getTime() + 3 * 3600_000).toISOString(),
        location: { lat: 65.584, lng: 22.154 },
      },
    });
    const name = `Approval crew ${Date.now() % 100000}`;
    const crew = await api(system.base, 'alice', '/api/v1/groups/', { method: 'POST', body: { event_id: event.id, name, max_members: 6, join_policy: 'request' } });
    const desktop = await browser.newContext({ ...DESKTOP, locale: 'en-GB' });
    try {
      const bob = await desktop.newPage();
      bob.on('console', (m) => m.type() === 'error' && errors.push({ text: m.text(), url: m.location()?.url ?? '' }));
      // from none unread: the bell's count must be able to rise (past 99 it shows 99+)
      await api(system.base, 'bob', '/api/v1/users/me/notifications/read-all/', { method: 'POST' });
      await signIn(bob, system.base, 'bob');
      await bob.goto(`${system.base}/crews`);
      const bell = bob.getByRole('button', { name: /^Notifications(: (\d+|99\+) unread)?$/ });
      await bell.waitFor({ timeout: 15_000 });
      const unread = async () => Number(((await bell.getAttribute('aria-label')) ?? '').match(/(\d+) unread/)?.[1] ?? 0);
      const before = await unread();
      const request = await api(system.base, 'bob', `/api/v1/groups/${crew.id}/join-requests/`, { method: 'POST', body: {} });
      await bob.waitForTimeout(500); // bob's socket is connected: the approval must come live
      // when alice approves
      const approvedAt = Date.now();
      await api(system.base, 'alice', `/api/v1/groups/${crew.id}/join-requests/${request.id}/approve/`, { method: 'POST' });
      // then bob's open page shows it, without a reload
      await bob.getByRole('link', { name, exact: true }).waitFor({ timeout: 10_000 });
      await poll('the bell to count it', async () => (await unread()) > before, { timeout: 10_000 });
      console.log(`request approved → shown live on the requester's page in ${Date.now() - approvedAt} ms`);
      await bell.click();
      await bob.getByRole('dialog', { name: 'Notifications' }).getByText(name).first().waitFor();
      await shot(bob, 'request-approved-live-desktop');
    } finally {
      await desktop.close();
    }
    assertNoConsoleErrors();
  });

  it('opens the app shell offline, at / and at a deep link', async () => {
    await phone.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('link', { name: 'CrewUp home' }).waitFor({ timeout: 15_000 });
      // signed out on a phone: the header's one row, with the way to sign in
      await page.getByRole('banner').getByRole('button', { name: 'Sign in' }).waitFor();
      // the emulated loss of the network reaches the page's navigator, if not at once on a busy machine
      await page.waitForFunction(() => !navigator.onLine, null, { timeout: 5_000 });
      await shot(page, 'offline-shell-phone');
      await page.goto(`${system.base}/events/00000000-0000-0000-0000-000000000000`);
      await page.getByRole('link', { name: 'CrewUp home' }).waitFor({ timeout: 15_000 });
      // Leave the made-up event before the connection returns (the page would ask for it: 404).
      await page.goto(`${system.base}/`);
      await page.getByRole('link', { name: 'CrewUp home' }).waitFor({ timeout: 15_000 });
    } finally {
      await phone.setOffline(false);
    }
    assertNoConsoleErrors({ offline: true });
  });

  it('signed in: the bell with its count, its panel, and the notification settings (phone and desktop)', async () => {
    const desktop = await browser.newContext({ ...DESKTOP, locale: 'en-GB' });
    try {
      for (const [target, size] of [[page, 'phone'], [await desktop.newPage(), 'desktop']]) {
        await signIn(target, system.base, 'alice');
        const bell = target.getByRole('button', { name: /^Notifications(: (\d+|99\+) unread)?$/ });
        await bell.waitFor({ timeout: 15_000 });
        await bell.click();
        const panel = target.getByRole('dialog', { name: 'Notifications' });
        await panel.getByRole('button', { name: 'Mark all as read' }).waitFor();
        await shot(target, `notifications-panel-${size}`);
        assert.deepEqual(await axeViolations(target), [], `${size}: axe on the open panel`);
        await target.keyboard.press('Escape');
        await panel.waitFor({ state: 'detached' });

        await target.goto(`${system.base}/profile#notifications`);
        const section = target.locator('#notifications');
        await section.getByRole('heading', { name: 'Notifications' }).waitFor();
        await section.getByRole('switch', { name: 'Push notifications on this device' }).waitFor();
        const locked = section.getByRole('checkbox', { name: 'Push: A crew mate raises a safety alert' });
        await locked.waitFor({ timeout: 15_000 });
        assert.equal(await locked.isDisabled(), true);
        assert.equal(await locked.isChecked(), true);
        await section.getByText('Safety alerts cannot be switched off').first().waitFor();
        await shot(target, `profile-notifications-${size}`);
        assert.deepEqual(await axeViolations(target), [], `${size}: axe on the notification settings`);
      }
    } finally {
      await desktop.close();
    }
    assertNoConsoleErrors();
  });
});
