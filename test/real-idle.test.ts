/**
 * Idle timeouts of real proxies, measured by `wstrace probe --check idle-timeout`:
 * HAProxy `timeout tunnel 2s`, HAProxy without `timeout tunnel` (so `timeout client/server 2s`
 * apply to the upgraded stream), nginx `proxy_read_timeout 3s`. Each drops a quiet WebSocket at
 * its timeout with a bare TCP close: no close frame, 1006. Windows are ±0.5 s around the
 * configured value; the idle age is measured from the 101, so startup jitter does not count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOrSkip, startHaproxy, startNginx, type RealServer } from './helpers/real-servers.js';
import { eventOf, log, runCli, startWstrace, stopAll, type CliServer, type Ev } from './helpers/real-cli.js';
import type { TestContext } from 'node:test';

interface CheckEvent extends Ev {
  name: string;
  status: 'pass' | 'warn' | 'fail';
  value: number;
  unit: string;
  closeCode: number | null;
  runs: { mode: string; closedAfterMs: number | null }[];
}

type Start = (upstreamPort: number) => Promise<RealServer>;

/** wstrace echo behind the real proxy; probe idle-timeout through it. */
async function probeIdle(t: TestContext, start: Start, extra: string[]) {
  const started: (CliServer | RealServer)[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0']);
  started.push(echo);
  const real = await start(echo.port);
  started.push(real);
  const r = await runCli(['probe', `${real.url}/echo`, '--check', 'idle-timeout', '--json', ...extra], { timeoutMs: 20_000 });
  const check = eventOf<CheckEvent>(r.stdout, 'check');
  const result = eventOf<Ev & { verdict?: { code: string; next: string } }>(r.stdout, 'result');
  assert.ok(check && result, `no check/result event\nstdout=${r.stdout}\nstderr=${r.stderr}\n${await real.logs()}`);
  log('real-idle', `${real.name}: ${check.status} ${check.value} ${check.unit}, close ${check.closeCode}: ${String(check.summary)} (wall ${(r.ms / 1000).toFixed(1)} s)`);
  return { r, check, result };
}

async function expectIdleDrop(t: TestContext, start: Start, seconds: number, next?: RegExp): Promise<void> {
  const { r, check, result } = await probeIdle(t, start, ['--max-wait', `${seconds + 4}s`]);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(check.name, 'idle-timeout');
  assert.equal(check.status, 'fail');
  assert.equal(check.unit, 's');
  assert.ok(Math.abs(check.value - seconds) <= 0.5, `measured ${check.value} s, expected ${seconds} ± 0.5 s`);
  assert.equal(check.closeCode, 1006, 'a bare TCP close: no WebSocket close frame');
  assert.equal(result.ok, false);
  assert.equal(result.verdict?.code, 'idle-timeout');
  // The 101 named the software (nginx sends Server on it): its own setting is the next step.
  if (next) assert.match(result.verdict.next, next);
}

test('haproxy timeout tunnel 2s: probe measures ~2 s idle, no close frame (1006)', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  await expectIdleDrop(t, (up) => startHaproxy('tunnel-2s', up), 2);
});

test('haproxy with no timeout tunnel: timeout client 2s cuts the tunnel at ~2 s, 1006', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  await expectIdleDrop(t, (up) => startHaproxy('no-tunnel-timeout', up), 2);
});

test('nginx proxy_read_timeout 3s: probe measures ~3 s idle, no close frame (1006)', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  await expectIdleDrop(t, (up) => startNginx('idle-3s', up), 3, /^nginx: raise `proxy_read_timeout`/);
});

test('haproxy timeout tunnel 2s with --keepalive 500ms: pings (and bare pongs) keep the tunnel open', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  const { check } = await probeIdle(t, (up) => startHaproxy('tunnel-2s', up), ['--max-wait', '4s', '--keepalive', '500ms']);
  assert.ok(Math.abs(check.value - 2) <= 0.5, `idle run measured ${check.value} s`);
  assert.deepEqual(
    check.runs.map((run) => [run.mode, run.closedAfterMs === null]),
    [['idle', false], ['ping', true], ['pong', true]],
  );
  assert.match(String(check.summary), /pings every 500 ms keep it alive/);
});

test('haproxy with timeout tunnel 1h (the fix): no idle timeout within the wait, exit 0', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  const { r, check } = await probeIdle(t, (up) => startHaproxy('good', up), ['--max-wait', '3s']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(check.status, 'pass');
  assert.equal(check.closeCode, null);
});
