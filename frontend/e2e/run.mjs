// `npm run e2e`: every e2e/*.e2e.mjs under Node's test runner, one file at a time, against one
// system brought up once here (the files' own startSystem() then reuses it through
// CREWUP_E2E_URL). `npm run e2e -- pwa` runs only the files whose name contains "pwa".
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { startSystem } from './system.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((name) => name.endsWith('.e2e.mjs'))
  .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
  // The main journey first, as before; the rest by name.
  .sort((a, b) => (a === 'crewup.e2e.mjs' ? -1 : b === 'crewup.e2e.mjs' ? 1 : a.localeCompare(b)))
  .map((name) => path.join(here, name));
if (files.length === 0) {
  console.error(`e2e: no test files match ${only.join(' ')}`);
  process.exit(1);
}

const system = await startSystem();
let status = 1;
try {
  const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    cwd: path.resolve(here, '..'),
    env: { ...process.env, CREWUP_E2E_URL: system.base },
  });
  status = result.status ?? 1;
} finally {
  await system.stop();
}
process.exit(status);
