// Every main screen, in Swedish and English, on a phone and a desktop, with a crew mate's alert
// open: no English string left on a Swedish page, axe-core at 0 violations, and a screenshot of
// each (e2e/screenshots/screen-<name>-<size>-<language>.png).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { transform } from 'esbuild';
import { frontendDir, startSystem } from './system.mjs';
import { api, resolveAlertsOf } from './api.mjs';
import { DESKTOP, HELSINKI, PHONE, axeViolations, isForeignConsoleError, launch, shot, signIn, watchConsole } from './browser.mjs';

/** A catalogue of the SPA (src/i18n/<language>.ts) as data, compiled the way Vite would. */
async function catalogue(language) {
  const file = path.join(frontendDir, 'src', 'i18n', `${language}.ts`);
  const { code } = await transform(await readFile(file, 'utf8'), { loader: 'ts', format: 'esm' });
  const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
  return module.default;
}

/** The leaves of a nested catalogue as `key → text`. */
function leaves(tree, prefix = '') {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value]] : leaves(value, `${prefix}${key}.`),
  );
}

/** Matchers for the English texts that Swedish words differently: a page showing one of them
 * in Swedish has a string left untranslated. `{{…}}` stands for anything. */
function englishOnly(en, sv) {
  const swedish = new Map(leaves(sv));
  return leaves(en)
    .filter(([key, text]) => swedish.get(key) !== text && text.replace(/\{\{\w+\}\}/g, '').trim().length >= 4)
    .map(([key, text]) => {
      const pattern = text
        .split(/\{\{\w+\}\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.+');
      return { key, text, pattern: new RegExp(`^${pattern}$`) };
    });
}

/** What a page says to its reader: the lines of visible text, and the names and hints of controls. */
function shownTexts(page) {
  return page.evaluate(() => {
    const lines = document.body.innerText.split('\n').map((line) => line.trim()).filter(Boolean);
    const attributes = [...document.querySelectorAll('[aria-label], [placeholder], [title]')].flatMap((element) =>
      ['aria-label', 'placeholder', 'title'].map((name) => element.getAttribute(name)).filter(Boolean),
    );
    return [...new Set([...lines, ...attributes])];
  });
}

let system;
let browser;
let event;
let crew;
let alert;

describe('The main screens, in Swedish and English, phone and desktop', { timeout: 600_000 }, () => {
  before(async () => {
    system = await startSystem();
    await resolveAlertsOf(system.base, 'bob');
    browser = await launch();
    // a crew of alice and bob at an event, and bob's open alert with a position: the tray shows
    const soon = new Date(Date.now() + 2 * 3600_000);
    event = await api(system.base, 'alice', '/api/v1/events/', {
      method: 'POST',
      body: {
        title: `Screens night ${Date.now() % 100000}`, event_type: 'concert', venue_name: 'Ateneum', address: 'Kaivokatu 2, Helsinki',
        starts_at: soon.toISOString(), ends_at: new Date(soon.getTime() + 3 * 3600_000).toISOString(),
        location: { lat: 60.1699, lng: 24.9441 },
      },
    });
    crew = await api(system.base, 'alice', '/api/v1/groups/', { method: 'POST', body: { event_id: event.id, name: `Screens crew ${Date.now() % 100000}`, max_members: 6 } });
    await api(system.base, 'bob', `/api/v1/groups/${crew.id}/join/`, { method: 'POST' });
    alert = await api(system.base, 'bob', '/api/v1/safety/alerts/', {
      method: 'POST',
      body: { group_ids: [crew.id], alert_type: 'lost', message: 'By the main door', location: { lat: 60.1701, lng: 24.9448 } },
    });
  });

  after(async () => {
    if (alert) await api(system.base, 'bob', `/api/v1/safety/alerts/${alert.id}/resolve/`, { method: 'POST', body: { note: 'Found.' } }).catch(() => {});
    await browser?.close();
    await system?.stop();
  });

  const screens = () => [
    ['discover', '/', (page) => page.locator('[data-testid="event-list"] li').first().waitFor({ timeout: 20_000 })],
    ['event', `/events/${event.id}`, (page) => page.getByRole('heading', { level: 1, name: event.title }).waitFor()],
    ['event-form', '/events/new', (page) => page.locator('#title').waitFor()],
    ['crews', '/crews', (page) => page.getByRole('link', { name: crew.name, exact: true }).waitFor()],
    ['chat', `/crews/${crew.id}/chat`, (page) => page.locator('[data-testid="chat-state"][data-state="open"]').waitFor({ timeout: 15_000 })],
    ['safety', '/safety', (page) => page.locator('[data-testid="alert-card"]').first().waitFor()],
    ['profile', '/profile', (page) => page.locator('#display_name').waitFor()],
  ];

  for (const [language, locale] of [['sv', 'sv-SE'], ['en', 'en-GB']]) {
    it(`${language}: every main screen in its language, accessible, with the tray of open alerts`, async () => {
      const untranslated = language === 'sv' ? englishOnly(await catalogue('en'), await catalogue('sv')) : [];
      for (const [size, device] of [['phone', PHONE], ['desktop', DESKTOP]]) {
        const context = await browser.newContext({ ...device, locale, geolocation: HELSINKI, permissions: ['geolocation'] });
        const page = await context.newPage();
        const errors = watchConsole(page, `alice (${size}, ${language})`);
        try {
          // signed out first: the first screen
          await page.goto(`${system.base}/`);
          await page.locator('#intro-heading').waitFor({ timeout: 20_000 });
          await check(page, 'welcome', size, language, untranslated);
          await signIn(page, system.base, 'alice');
          for (const [name, route, ready] of screens()) {
            await page.goto(`${system.base}${route}`);
            await ready(page);
            // bob's alert is in the tray on every screen
            await page.getByRole('alert', { name: language === 'sv' ? 'Aktiva trygghetslarm' : 'Live safety alerts' }).locator('[data-testid="alert-card"]').first().waitFor({ timeout: 20_000 });
            await page.locator('.loading').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
            await check(page, name, size, language, untranslated);
          }
          // and the notifications panel
          await page.goto(`${system.base}/crews`);
          await page.locator('.bell-button').click();
          await page.getByRole('dialog').first().waitFor();
          await check(page, 'notifications', size, language, untranslated);
        } finally {
          await context.close();
        }
        assert.deepEqual(errors.filter((e) => !isForeignConsoleError(e)), [], `console errors (${size}, ${language})`);
      }
    });
  }
});

async function check(page, name, size, language, untranslated) {
  await shot(page, `screen-${name}-${size}-${language}`);
  const left = (await shownTexts(page)).flatMap((text) => untranslated.filter(({ pattern }) => pattern.test(text)).map(({ key }) => `${key}: "${text}"`));
  assert.deepEqual(left, [], `${name} (${size}) shows English on a Swedish page`);
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name} (${size}, ${language}): axe found ${JSON.stringify(violations, null, 1)}`);
}
