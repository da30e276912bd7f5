// The API as a demo user calls it, for the setup and checks the tests make outside the browser.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const IDENTITY_TOKEN_URL = `${process.env.CREWUP_ISSUER ?? 'http://127.0.0.1:8090/realms/crewup'}/protocol/openid-connect/token`;

/** An access token for a demo user from the identity provider (the CLI client's password grant). */
export async function tokenFor(username) {
  const body = new URLSearchParams({ grant_type: 'password', client_id: 'crewup-cli', username, password: `${username}-pass-2026` });
  const response = await fetch(IDENTITY_TOKEN_URL, { method: 'POST', body });
  const text = await response.text();
  assert.equal(response.status, 200, `token for ${username}: ${text}`);
  return JSON.parse(text).access_token;
}

/** `method path` as `username`; returns the parsed JSON (or null), failing on another status. */
export async function api(base, username, path, { method = 'GET', body, status } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await tokenFor(username)}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (status !== undefined) assert.equal(response.status, status, `${method} ${path}: ${text}`);
  else assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** One value from the running system's database (what no API shows: a push's secret token). */
export function databaseValue(sql) {
  const database = process.env.CREWUP_DATABASE ?? 'crewup';
  const result = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', database, '-Atc', sql], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

/** Resolve `username`'s open safety alerts (a failed run leaves none behind to show on the next). */
export async function resolveAlertsOf(base, username) {
  const headers = { Authorization: `Bearer ${await tokenFor(username)}`, 'Content-Type': 'application/json' };
  const response = await fetch(`${base}/api/v1/safety/alerts/mine/?status=open`, { headers });
  if (!response.ok) return;
  for (const alert of (await response.json()).results) {
    await fetch(`${base}/api/v1/safety/alerts/${alert.id}/resolve/`, { method: 'POST', headers, body: JSON.stringify({ note: 'Cleanup after the end-to-end run.' }) });
  }
}

/** Lift, through the moderation API as maria, any ban in force on `username` (a rerun after a failed one starts clean). */
export async function liftBansOf(base, username) {
  const headers = { Authorization: `Bearer ${await tokenFor('maria')}`, 'Content-Type': 'application/json' };
  const response = await fetch(`${base}/api/v1/moderation/bans/?active=true&page_size=100`, { headers });
  if (!response.ok) return;
  for (const ban of (await response.json()).results) {
    if (ban.user?.username !== username) continue;
    await fetch(`${base}/api/v1/moderation/bans/${ban.id}/lift/`, { method: 'POST', headers, body: JSON.stringify({ reason: 'Cleanup after the end-to-end run.' }) });
  }
}
