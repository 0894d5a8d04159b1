/**
 * bisect = checks × layers against real software (issue 11): [wstrace hop, real hop, wstrace hop,
 * origin]. Every handshake works, yet `bisect --check idle-timeout` places the real hop's idle cut
 * between it and the wstrace hop behind it, with both figures; `--check max-message` places a real
 * size limit (Python websockets' max_size) at the origin, with the exact threshold.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { resultOf, runCli } from './helpers/cli.js';
import { baseOf, startWstrace, stopAll, type Stoppable } from './helpers/real-cli.js';
import {
  requireOrSkip, startHaproxy, startNginx, startNghttpx, startPyApp, type BinaryName, type RealServer,
} from './helpers/real-servers.js';

type CheckResult = {
  ok: boolean;
  break: { outer: number; inner: number | null; code: string; check: string } | null;
  verdict: { summary: string; evidence: string[]; next: string };
  checks: { name: string; layers: { name: string; status: string; value: number }[] }[];
};

/** edge (wstrace) → real hop → inner (wstrace) → origin; URLs outermost first. */
async function realPath(t: TestContext, bin: BinaryName, startReal: (upstreamPort: number) => Promise<RealServer>, origin?: () => Promise<RealServer>): Promise<string[] | undefined> {
  if (requireOrSkip(t, bin) === null) return undefined;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  let originUrl: string;
  let originBase: string;
  if (origin) {
    const app = await origin();
    started.push(app);
    originUrl = `${app.url}/echo`;
    originBase = app.url;
  } else {
    const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'echo']);
    started.push(echo);
    originUrl = echo.url;
    originBase = baseOf(echo);
  }
  const inner = await startWstrace(t, ['proxy', '--target', originBase, '--name', 'inner']);
  started.push(inner);
  const real = await startReal(inner.port);
  started.push(real);
  const edge = await startWstrace(t, ['proxy', '--target', real.url, '--name', 'edge']);
  started.push(edge);
  return [`${baseOf(edge)}/echo`, `${real.url}/echo`, `${baseOf(inner)}/echo`, originUrl];
}

const NAMES = ['--name', 'edge', '--name', 'real', '--name', 'inner', '--name', 'origin'];

const IDLE_CASES: [BinaryName, string, (port: number) => Promise<RealServer>, number][] = [
  ['nginx', 'nginx proxy_read_timeout 3s', (p) => startNginx('idle-3s', p), 3],
  ['haproxy', 'HAProxy timeout tunnel 2s', (p) => startHaproxy('tunnel-2s', p), 2],
  ['nghttpx', 'nghttpx read timeouts 3s', (p) => startNghttpx('idle-3s', p), 3],
];

describe('bisect --check over a real hop', { concurrency: 4 }, () => {
  for (const [bin, what, start, seconds] of IDLE_CASES) {
    it(`idle-timeout: names ${what} with its figure, every handshake working`, async (t) => {
      const urls = await realPath(t, bin, start);
      if (!urls) return;
      const r = await runCli(['bisect', ...urls, ...NAMES, '--check', 'idle-timeout', '--max-wait', '7s', '--json'], { timeoutMs: 40_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const res = resultOf(r.stdout) as unknown as CheckResult;
      assert.deepEqual(res.break, { outer: 1, inner: 2, code: 'idle-timeout', check: 'idle-timeout' }, JSON.stringify(res.verdict));
      const layers = res.checks[0]!.layers;
      assert.deepEqual(layers.map((l) => l.status), ['fail', 'fail', 'pass', 'pass']);
      assert.ok(Math.abs(layers[1]!.value - seconds) < 1, `cut at ${layers[1]!.value} s, configured ${seconds} s`);
      assert.match(res.verdict.summary, /"real" \(#2\) closed at [\d.]+ s idle, no close frame \(1006\).*"inner" \(#3\) behind it: no idle timeout/);
      assert.match(res.verdict.evidence.join('\n'), /"real" \(#2\): FAIL [\d.]+ s[\s\S]*"inner" \(#3\): PASS/);
      assert.match(res.verdict.next, /^fix "real"/);
    });
  }

  it('max-message: a real size limit (Python websockets max_size 4096) is placed at the origin with the exact figure', async (t) => {
    if (requireOrSkip(t, 'python3-websockets') === null) return;
    const urls = await realPath(t, 'nginx', (p) => startNginx('good', p), () => startPyApp('max-size', '4096'));
    if (!urls) return;
    const r = await runCli(['bisect', ...urls, ...NAMES, '--check', 'max-message', '--max-size', '64k', '--max-wait', '20s', '--json'], { timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout) as unknown as CheckResult;
    assert.deepEqual(res.break, { outer: 3, inner: null, code: 'message-too-big', check: 'max-message' }, JSON.stringify(res.verdict));
    assert.deepEqual(res.checks[0]!.layers.map((l) => l.value), [4096, 4096, 4096, 4096]);
    assert.match(res.verdict.summary, /the origin "origin" \(#4\) itself: largest message echoed: 4096 bytes/);
  });
});
