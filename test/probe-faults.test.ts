/**
 * `wstrace probe` through a wstrace proxy that injects a real proxy's fault: the probe must
 * measure the fault's figure (idle timeout, message cap, unanswered close) and say how the
 * path behaves. Endpoint and proxy run in-process; the probe is the real CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEcho } from '../src/endpoint/server.js';
import { startProxy } from '../src/proxy/server.js';
import { parseFaultSpec } from '../src/proxy/faults/index.js';
import { parseWsUrl } from '../src/net/url.js';
import { ndjson, resultOf, runCli, type Ev } from './helpers/cli.js';

type After = { after(fn: () => Promise<void>): void };

/** echo ← proxy --fault SPEC; returns the URL a client uses. */
async function faultyPath(t: After, spec: string): Promise<string> {
  const ep = await startEcho({ port: 0 });
  t.after(() => ep.close());
  const proxy = await startProxy({ targets: [parseWsUrl(ep.url)], faults: [parseFaultSpec(spec)], timeoutMs: 3_000 });
  t.after(() => proxy.close());
  return `${proxy.url}/echo`;
}

function row(stdout: string, name: string): Ev & { evidence: string[] } {
  const hit = ndjson(stdout).find((e) => e.event === 'check' && e.name === name);
  assert.ok(hit, `no ${name} row in:\n${stdout}`);
  return hit as Ev & { evidence: string[] };
}

interface Run {
  mode: string;
  closedAfterMs: number | null;
  closeCode?: number;
}

test('idle-timeout=2s: 2.0 s ± 0.3 s, no close frame (1006); pings every 500 ms keep it alive through --max-wait', async (t) => {
  const probe = async (spec: string) => {
    const url = await faultyPath(t, spec);
    return runCli(['probe', url, '--check', 'idle-timeout', '--keepalive', '500ms', '--max-wait', '5s', '--json'], { timeoutMs: 20_000 });
  };
  // Both paths at once: the check itself takes --max-wait either way.
  const [both, down] = await Promise.all([probe('idle-timeout=2s'), probe('idle-timeout=2s,reset=down')]);

  assert.equal(both.code, 1, both.stdout + both.stderr);
  const c = row(both.stdout, 'idle-timeout');
  assert.equal(c.status, 'fail');
  assert.equal(c.unit, 's');
  assert.ok(Math.abs(Number(c.value) - 2.0) <= 0.3, `idle timeout measured ${String(c.value)} s`);
  assert.equal(c.closeCode, 1006);
  assert.match(String(c.summary), /no close frame \(1006\)/);
  const runs = c.runs as Run[];
  assert.equal(runs.find((r) => r.mode === 'ping')?.closedAfterMs, null, 'pings kept the connection alive');
  assert.match(String(c.summary), /pings every 500 ms keep it alive/);
  assert.equal(resultOf(both.stdout).verdict?.code, 'idle-timeout');

  // nginx proxy_read_timeout style: only upstream → client traffic resets the timer.
  assert.equal(down.code, 1, down.stdout + down.stderr);
  const d = row(down.stdout, 'idle-timeout');
  assert.ok(Math.abs(Number(d.value) - 2.0) <= 0.3, `idle timeout measured ${String(d.value)} s`);
  const downRuns = d.runs as Run[];
  assert.equal(downRuns.find((r) => r.mode === 'ping')?.closedAfterMs, null, 'pings (answered by pongs) kept it alive');
  assert.notEqual(downRuns.find((r) => r.mode === 'pong')?.closedAfterMs, null, 'bare pongs did not');
  assert.match(String(d.summary), /only server → client traffic/);
});

test('max-message=32768: the exact threshold 32768 and close 1009', async (t) => {
  const url = await faultyPath(t, 'max-message=32768');
  const r = await runCli(['probe', url, '--check', 'max-message', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const c = row(r.stdout, 'max-message');
  assert.equal(c.status, 'fail');
  assert.equal(c.value, 32768);
  assert.equal(c.unit, 'bytes');
  assert.equal(c.closeCode, 1009);
  assert.equal(c.firstFailing, 32769);
  assert.equal(resultOf(r.stdout).verdict?.code, 'message-too-big');
});

test('drop-close: close-reply FAILs and the measured wait is its deadline (--timeout)', async (t) => {
  const url = await faultyPath(t, 'drop-close');
  const r = await runCli(['probe', url, '--check', 'close-reply', '--check', 'ping', '--timeout', '1500ms', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const c = row(r.stdout, 'close-reply');
  assert.equal(c.status, 'fail');
  assert.equal(c.value, 1500);
  assert.equal(c.unit, 'ms');
  assert.equal(c.closeCode, null);
  assert.equal(row(r.stdout, 'ping').status, 'pass', 'everything but the close still works');
  const result = resultOf(r.stdout);
  assert.equal(result.verdict?.code, 'close-unanswered');
  assert.ok(Number(result.totalMs) < 1_500 + 1_500, `took ${String(result.totalMs)} ms`);
});

test('corrupt-rsv1 breaks compressed echoes: compression FAILs with extension-broken', async (t) => {
  const url = await faultyPath(t, 'corrupt-rsv1');
  const r = await runCli(['probe', url, '--check', 'compression', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const c = row(r.stdout, 'compression');
  assert.equal(c.status, 'fail');
  assert.equal(c.code, 'extension-broken');
});

test('strip-header=Sec-WebSocket-Protocol: subprotocol FAILs and says the endpoint never got it', async (t) => {
  const ep = await startEcho({ port: 0, subprotocols: ['chat.v1'] });
  t.after(() => ep.close());
  const proxy = await startProxy({ targets: [parseWsUrl(ep.url)], faults: [parseFaultSpec('strip-header=Sec-WebSocket-Protocol')] });
  t.after(() => proxy.close());
  const direct = await runCli(['probe', ep.url, '--check', 'subprotocol', '--subprotocol', 'chat.v1', '--json']);
  assert.equal(direct.code, 0, direct.stdout + direct.stderr);
  assert.equal(row(direct.stdout, 'subprotocol').value, 'chat.v1');
  const r = await runCli(['probe', `${proxy.url}/echo`, '--check', 'subprotocol', '--subprotocol', 'chat.v1', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const c = row(r.stdout, 'subprotocol');
  assert.equal(c.status, 'fail');
  assert.ok(c.evidence.some((e) => /received no Sec-WebSocket-Protocol header: a hop dropped it/.test(e)), JSON.stringify(c.evidence));
});
