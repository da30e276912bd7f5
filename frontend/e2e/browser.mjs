import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { frontendDir } from './system.mjs';

export const SCREENSHOTS = path.join(frontendDir, 'e2e', 'screenshots');
export const RESULTS = path.join(frontendDir, 'e2e', 'results');
mkdirSync(SCREENSHOTS, { recursive: true });
mkdirSync(RESULTS, { recursive: true });

export const PHONE = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const DESKTOP = { viewport: { width: 1280, height: 820 } };
export const LULEA = { latitude: 65.584, longitude: 22.154 };
/** Central Helsinki, where the demo events and the loaded places are (#15). */
export const HELSINKI = { latitude: 60.1699, longitude: 24.9441 };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
}

/** Whether a console error is one no page of ours causes: the identity provider's own pages
 * (not this app) have no favicon. */
export function isForeignConsoleError(error) {
  return /^http:\/\/127\.0\.0\.1:8090\/favicon\.ico/.test(error.url);
}

/** Console errors and page errors a page logged; the tests fail on any that are not expected. */
export function watchConsole(page, name) {
  const errors = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const url = message.location()?.url ?? '';
    errors.push({ page: name, text: message.text(), url });
  });
  page.on('pageerror', (error) => errors.push({ page: name, text: `pageerror: ${error.message}`, url: '' }));
  return errors;
}

export async function signIn(page, base, username) {
  await page.goto(`${base}/`);
  // CrewUp's button in either of its languages; then the identity provider's page (English)
  await page.getByRole('button', { name: /^(Sign in|Logga in)$/ }).first().click();
  await page.waitForURL(/\/realms\/crewup\/login\//);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(`${username}-pass-2026`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.toString().startsWith(base) && !url.pathname.startsWith('/auth/'));
  await page.getByRole('button', { name: /Sign out|Logga ut/ }).waitFor();
}

const axeSource = readFileSync(path.join(frontendDir, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const results = await page.evaluate(async () => {
    const run = await window.axe.run(document, { resultTypes: ['violations'] });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}
