// A server's logger is ready before the server announces itself: loading pino (and formatting
// its first line) used to happen inside the first client's exchange, ~10 ms of its first echo.
// The rehearsal that compiles the formatting writes nowhere; at `silent` nothing is loaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './helpers/cli.js';
import { HAVE_PTY, runOnPty } from './helpers/pty.js';

const loaded = `const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/pino/'));`;

function runScript(body: string) {
  const script = `import { createRequire } from 'node:module';\nimport { createLogger } from './dist/src/cli/logger.js';\n${loaded}\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('createLogger loads pino before the first line, and its rehearsal writes nothing', () => {
  const r = runScript(`
const log = await createLogger({ level: 'warn', json: true });
const ready = loaded();
const child = log.child({ layer: 'x' });
log.info({ a: 1 }, 'below the level');
child.debug('below the level');
child.warn({ b: 2 }, 'a warning');
console.log(JSON.stringify({ ready }));
`);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { ready: true });
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.msg, 'a warning');
  assert.equal(line.layer, 'x');
  assert.equal(line.b, 2);
});

test('at --log-level silent pino is never loaded and nothing is written', () => {
  const r = runScript(`
const log = await createLogger({ level: 'silent', json: true });
log.error({ a: 1 }, 'never written');
log.child({ layer: 'x' }).warn('never written');
console.log(JSON.stringify({ loaded: loaded() }));
`);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { loaded: false });
  assert.equal(r.stderr, '');
});

test('on a terminal the pretty logger is ready too, and only real lines reach it', { skip: !HAVE_PTY && 'no /usr/bin/python3 for a pty' }, async (t) => {
  const script = `import { createRequire } from 'node:module';
import { createLogger } from './dist/src/cli/logger.js';
${loaded}
const log = await createLogger({ level: 'info' });
const ready = loaded();
await new Promise((r) => setTimeout(r, 100));
log.child({ layer: 'edge' }).info({ url: '/echo' }, 'the first real line');
console.log('ready=' + ready);`;
  const run = runOnPty(t, [process.execPath, '--input-type=module', '-e', script]);
  assert.equal(await run.exited, 0, run.output());
  const out = run.output();
  assert.match(out, /ready=true/);
  assert.match(out, /INFO.*the first real line/);
  assert.doesNotMatch(out, /warm-up/, out);
  assert.equal(out.match(/INFO/g)?.length, 1, out);
});
