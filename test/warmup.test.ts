// The serving side's warm-up (endpoint/warmup.ts, proxy/warmup.ts): before `wstrace echo`,
// `proxy` or `chain` announce themselves, private servers of the same code serve a round of
// connections, so the first real client times the path and not cold code. These tests show it
// really exercises the servers, is bounded against a peer that hangs, and leaves nothing open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startEcho } from '../src/endpoint/server.js';
import { warmServing } from '../src/endpoint/warmup.js';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, startCliServer, stopAll, waitFor } from './helpers/cli.js';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

test('warmServing drives every round through a real echo, then closes it', async () => {
  let port = 0;
  const w = await warmServing(async (started) => {
    const echo = await startEcho({ host: '127.0.0.1', port: 0, name: 'warm-up' });
    started.push(echo);
    port = echo.port;
    return echo.url;
  }, 10_000);
  assert.ok(w.rounds > 0);
  assert.equal(w.connections, w.rounds, 'every round completed its upgrade, echoes and close');
  assert.ok(await refused(port), 'the private echo is closed afterwards');
});

test('against a peer that accepts and never answers, the budget ends it and every socket is closed', async () => {
  const server = createServer();
  const accepted: Socket[] = [];
  // Reading, so the peer's FIN is seen and the socket closes.
  server.on('connection', (s) => accepted.push(s.resume()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const w = await warmServing(async (started) => {
    started.push({ close: async () => void (closed = true) });
    return `ws://127.0.0.1:${port}/echo`;
  }, 300);
  assert.equal(w.connections, 0);
  assert.ok(closed, 'what the warm-up started is closed');
  assert.equal(accepted.length, 1, 'one upgrade attempt, stuck');
  if (!accepted[0]!.destroyed) await once(accepted[0]!, 'close');
  server.close();
});

test('a warm-up whose servers fail to start resolves, with nothing done', async () => {
  const w = await warmServing(async () => {
    throw new Error('EADDRINUSE');
  }, 1_000);
  assert.equal(w.connections, 0);
});

for (const [command, args] of [
  ['echo', ['echo', '--port', '0']],
  ['proxy', ['proxy', '--port', '0', '--target', 'ws://127.0.0.1:9']],
  ['chain', ['chain', '--hops', '2']],
] as const) {
  test(`wstrace ${command} warms up on private servers before it announces itself`, async (t) => {
    const server = await startCliServer(t, [...args, '--json', '--log-level', 'debug']);
    // Written before the listening line, but on stderr: its pipe may be read a little later.
    await waitFor(() => server.stderr().includes('warmed up'), 5_000, 'the "warmed up" debug line');
    const warm = server.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'warmed up');
    assert.ok(warm, `no "warmed up" line before listening: ${server.stderr()}`);
    // On a loaded machine the budget can end it early (a half-warm start); it must have run.
    assert.ok(Number(warm.connections) >= 1 && Number(warm.connections) <= Number(warm.rounds), JSON.stringify(warm));
    if (command === 'echo') {
      const health = (await (await fetch(`http://127.0.0.1:${server.port}/health`)).json()) as { connections: number };
      assert.equal(health.connections, 0, 'the warm-up used a private endpoint, not this one');
    }
    await stopAll(server);
    assert.doesNotMatch(server.stdout(), /warm-up/);
  });
}

test('probe warms its own checks on a private echo, every quick check passing, and leaves nothing open', () => {
  // A child process that must exit by itself: anything the warm-up left open would keep it alive.
  const script = `
import { warmProbe } from './dist/src/probe/warmup.js';
const w = await warmProbe();
console.log(JSON.stringify(w));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 0, `did not exit by itself (a handle left open?): ${r.stderr}`);
  const w = JSON.parse(r.stdout.trim()) as { rounds: number; checks: number; passed: number };
  assert.ok(w.rounds >= 1, r.stdout);
  assert.ok(w.checks >= 5, r.stdout);
  assert.equal(w.passed, w.checks, `a check that fails against our own echo warms error paths, not the real ones: ${r.stdout}`);
});

test('watch has warmed the client code before its first handshake is timed', () => {
  const script = `
import { startEcho } from './dist/src/endpoint/server.js';
import { runWatch } from './dist/src/watch/run.js';
import { isWarm } from './dist/src/client/warmup.js';
import { parseWsUrl } from './dist/src/net/url.js';
const echo = await startEcho({ host: '127.0.0.1', port: 0 });
let atFirstHandshake;
const connection = { headers: {}, subprotocols: [], binary: false, waitMs: 0, deflate: true, insecure: false, http: '1.1', reach: {}, redirects: 0 };
const r = await runWatch(
  { target: parseWsUrl(echo.url), patterns: ['silent'], perPattern: 1, intervalMs: 300, everyMs: 10000, forMs: 500, summaryMs: 10000, timeoutMs: 2000, connection },
  { emit: (ev) => { if (ev.event === 'handshake' && atFirstHandshake === undefined) atFirstHandshake = { warm: isWarm(), ok: ev.ok }; } },
  { failOn: [] },
);
await echo.close();
console.log(JSON.stringify({ atFirstHandshake, ok: r.ok }));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { atFirstHandshake: { warm: true, ok: true }, ok: true });
});

test('the load generator warms the client code before it opens its connections', () => {
  const script = `
import { startEcho } from './dist/src/endpoint/server.js';
import { runLoad } from './dist/src/load/run.js';
import { isWarm } from './dist/src/client/warmup.js';
import { parseWsUrl } from './dist/src/net/url.js';
import { memoryReporter } from './dist/src/events.js';
const echo = await startEcho({ host: '127.0.0.1', port: 0 });
const before = isWarm();
const r = await runLoad({ client: { target: parseWsUrl(echo.url), timeoutMs: 5000 }, connections: 2, count: 10 }, memoryReporter());
await echo.close();
console.log(JSON.stringify({ before, after: isWarm(), ok: r.ok }));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), { before: false, after: true, ok: true });
});
