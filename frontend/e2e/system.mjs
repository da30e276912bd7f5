// Brings up what the end-to-end tests run against, and takes down only what it started:
// - the CrewUp services behind the ingress on :8080 (`scripts/run.sh --detach` when not up);
// - the SPA: the ingress's own `/` when it serves this build, else `vite preview` on :5173
//   (a registered redirect URI of the dev identity provider), proxying the API to :8080.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
export const frontendDir = path.resolve(here, '..');
export const repoDir = path.resolve(frontendDir, '..');
export const INGRESS = process.env.CREWUP_URL ?? 'http://127.0.0.1:8080';
export const PREVIEW = 'http://127.0.0.1:5173';

async function reachable(url, predicate = (r) => r.ok) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return predicate(response) ? response : null;
  } catch {
    return null;
  }
}

async function waitFor(url, seconds, predicate) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await reachable(url, predicate)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function servesThisSpa(base) {
  const response = await reachable(`${base}/`);
  if (!response) return false;
  const html = await response.text();
  if (!html.includes('id="root"')) return false;
  const config = await reachable(`${base}/config.json`);
  return Boolean(config);
}

export async function startSystem(log = console.log) {
  const stops = [];
  if (process.env.CREWUP_E2E_URL) return { base: process.env.CREWUP_E2E_URL.replace(/\/$/, ''), stop: async () => {} };

  if (!(await reachable(`${INGRESS}/api/v1/events/`))) {
    log('e2e: starting CrewUp with scripts/run.sh --detach');
    const run = spawnSync('scripts/run.sh', ['--detach'], { cwd: repoDir, stdio: 'inherit' });
    if (run.status !== 0) throw new Error('scripts/run.sh --detach failed');
    stops.push(() => spawnSync('scripts/stop.sh', [], { cwd: repoDir, stdio: 'inherit' }));
  } else {
    log(`e2e: using the CrewUp already running at ${INGRESS}`);
  }

  let base = INGRESS;
  if (!(await servesThisSpa(INGRESS))) {
    if (!existsSync(path.join(frontendDir, 'dist', 'index.html'))) {
      log('e2e: building the SPA');
      const build = spawnSync('npm', ['run', 'build'], { cwd: frontendDir, stdio: 'inherit' });
      if (build.status !== 0) throw new Error('npm run build failed');
    }
    log(`e2e: the ingress does not serve the SPA; serving dist with vite preview at ${PREVIEW}`);
    const preview = spawn(path.join(frontendDir, 'node_modules', '.bin', 'vite'), ['preview', '--strictPort'], {
      cwd: frontendDir,
      env: { ...process.env, CREWUP_URL: INGRESS },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    stops.push(() => {
      try {
        process.kill(-preview.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    });
    if (!(await waitFor(`${PREVIEW}/config.json`, 30))) throw new Error('vite preview did not start');
    base = PREVIEW;
  }
  return {
    base,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}
