/**
 * No descriptor outlives its client, whatever the fault: the real `wstrace echo` and `wstrace
 * proxy` are spawned and their open descriptors counted in /proc/<pid>/fd before and after
 * clients that leave normally, half-close, or reset in every phase. Every wait of theirs is
 * bounded by --timeout: a slowloris head, a half-sent body, an upstream's stalled 404 body.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { startCliServer, stopAll, type CliServer } from './helpers/cli.js';
import { fdCount, settleTo } from './helpers/proc.js';
import { MOVES, runMove, type Move } from './helpers/hostile-clients.js';
import { prng } from './helpers/prng.js';
import { PeerServer, readHead } from './helpers/raw-peers.js';

const TIMEOUT = '1s';
/** --timeout + 1 s, as the issue asks, plus headroom for a loaded 2-core machine. */
const SETTLE_MS = 1_000 + 1_000 + 4_000;

async function stack(t: TestContext, faults: string[], extra: string[] = []): Promise<{ echo: CliServer; proxy: CliServer }> {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--timeout', TIMEOUT]);
  const proxy = await startCliServer(t, ['proxy', '--port', '0', '--timeout', TIMEOUT, '--target', `ws://127.0.0.1:${echo.port}`, ...faults.flatMap((f) => ['--fault', f]), ...extra]);
  return { echo, proxy };
}

async function assertBackToBaseline(s: { echo: CliServer; proxy: CliServer }, base: { echo: number; proxy: number }, what: string): Promise<void> {
  const proxyFds = await settleTo(() => fdCount(s.proxy.child.pid!), base.proxy, SETTLE_MS);
  const echoFds = await settleTo(() => fdCount(s.echo.child.pid!), base.echo, SETTLE_MS);
  assert.ok(proxyFds <= base.proxy, `${what}: proxy holds ${proxyFds} fds, baseline ${base.proxy}`);
  assert.ok(echoFds <= base.echo, `${what}: echo holds ${echoFds} fds, baseline ${base.echo}`);
}

function baseline(s: { echo: CliServer; proxy: CliServer }): { echo: number; proxy: number } {
  return { echo: fdCount(s.echo.child.pid!), proxy: fdCount(s.proxy.child.pid!) };
}

describe('descriptors come back', { concurrency: 2 }, () => {
  it('10 clients that give up on an unanswered upgrade (FIN) through hang', async (t) => {
    const s = await stack(t, ['hang']);
    const base = baseline(s);
    // After 'upgrade' nobody read the held socket, so its FIN (or RST) was never seen.
    await Promise.all(Array.from({ length: 10 }, () => runMove(s.proxy.port, 'fin-after-head', { ms: 300 })));
    await assertBackToBaseline(s, base, 'hang');
    await stopAll(s.proxy, s.echo);
  });

  for (const fault of ['hang=after-101', 'blackhole']) {
    it(`10 clients that say goodbye and half-close through ${fault}`, async (t) => {
      const s = await stack(t, [fault]);
      const base = baseline(s);
      // A close frame and a FIN: the fault's gate swallows both, so only our deadline can end it.
      const results = await Promise.all(Array.from({ length: 10 }, () => runMove(s.proxy.port, 'fin-after-101', { ms: 5_000 })));
      assert.deepEqual(results.map((r) => r.status), Array(10).fill(101), 'every client got its 101');
      await assertBackToBaseline(s, base, fault);
      await stopAll(s.proxy, s.echo);
    });
  }

  const RESET_MOVES = MOVES.filter((m): m is Move => m !== 'slow-head' && m !== 'half-sent-body');
  for (const faults of [['latency=20ms', 'slicer', 'bandwidth=64k'], ['hang=after-101'], ['drop-close', 'max-message=64k']]) {
    it(`120 clients leaving in every phase through ${faults.join(' + ')}`, async (t) => {
      const s = await stack(t, faults);
      const base = baseline(s);
      const rnd = prng(0x5eed);
      for (let round = 0; round < 12; round++) {
        await Promise.all(Array.from({ length: 10 }, () => runMove(s.proxy.port, RESET_MOVES[Math.floor(rnd() * RESET_MOVES.length)]!, { ms: 600, oversizedBytes: 256 * 1024 })));
      }
      await assertBackToBaseline(s, base, faults.join(' + '));
      await stopAll(s.proxy, s.echo);
    });
  }
});

describe('every wait is ours (--timeout 1s)', { concurrency: 2 }, () => {
  for (const which of ['echo', 'proxy'] as const) {
    for (const move of ['slow-head', 'half-sent-body'] as const) {
      it(`${which} drops a ${move} within --timeout`, async (t) => {
        const s = await stack(t, []);
          const server = which === 'echo' ? s.echo : s.proxy;
        const t0 = performance.now();
        // Node's own defaults would hold these 60–300 s (checked every 30 s).
        const r = await runMove(server.port, move, { ms: 6_000 });
        const ms = performance.now() - t0;
        assert.ok(r.serverClosed, `${which} still held the ${move} after ${Math.round(ms)} ms`);
        // A head never finished gets 408; a plain request may be answered (426) before its body is.
        if (move === 'slow-head') assert.equal(r.status, 408, `answered ${r.status}`);
        await stopAll(s.proxy, s.echo);
      });
    }
  }

  it('proxy cuts an upstream whose non-101 body stalls, within --timeout', async (t) => {
    const upstream = await new PeerServer((socket) => {
      socket.once('end', () => socket.destroy());
      void readHead(socket).then(() => socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 1000\r\n\r\n{"partial":'), () => socket.destroy());
    }).listen();
    t.after(() => upstream.close());
    const proxy = await startCliServer(t, ['proxy', '--port', '0', '--timeout', TIMEOUT, '--target', upstream.url]);
    const r = await runMove(proxy.port, 'goodbye', { ms: 6_000 });
    assert.equal(r.status, 404);
    assert.ok(r.serverClosed, 'the proxy still held the client 6 s after the body stalled');
    await upstream.waitAllClosed(3_000);
    await stopAll(proxy);
  });
});
