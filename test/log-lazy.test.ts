// pino (and pino-pretty) load when the first line at or above the level is written, not before:
// a one-shot command or a quiet server never pays for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './helpers/cli.js';

const script = `
import { createRequire } from 'node:module';
import { createLogger } from './dist/src/cli/logger.js';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pino/'));
const log = await createLogger({ level: 'warn', json: true });
const child = log.child({ layer: 'x' });
log.info({ a: 1 }, 'below the level');
child.debug('below the level');
const before = loaded();
child.warn({ b: 2 }, 'a warning');
console.log(JSON.stringify({ before, after: loaded() }));
`;

test('createLogger loads pino only for the first line at or above its level', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { before: false, after: true });
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.msg, 'a warning');
  assert.equal(line.layer, 'x');
  assert.equal(line.b, 2);
});
