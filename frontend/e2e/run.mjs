// `npm run e2e`: the end-to-end suite under Node's test runner (it starts what it needs).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', path.join(here, 'crewup.e2e.mjs')],
  { stdio: 'inherit', cwd: path.resolve(here, '..') },
);
process.exit(result.status ?? 1);
