/**
 * The test proxy: hop tagging through a real chain (CLI processes), the stripped-upgrade
 * diagnosis with a raw forwarder between two wstrace hops, deadlines against a hung upstream,
 * the http-proxy 1.18 pitfalls (each with a peer that misbehaves on purpose), and a storm of
 * resets on both sides after which the proxy must still echo and hold no sockets.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { ndjson, resultOf, runCli, startCliServer, stopAll, type CliServer } from './helpers/cli.js';
import {
  closePayload, flakyForwarder, frame, hangingServer, rawConnect, readAll, readHead, stripForwarder, upgradeRequest, waitUntil,
  type ForwarderResetPhase,
} from './helpers/raw-peers.js';
import { startProxy } from '../src/proxy/server.js';
import { startEcho } from '../src/endpoint/server.js';
import { runClient } from '../src/client/run.js';
import { parseWsUrl } from '../src/net/url.js';
import { memoryReporter } from '../src/events.js';

const NO_STACK = /^\s+at /m;
const base = (url: string) => url.replace(/\/echo$/, '');

interface Report {
  headers: [string, string][];
  via: { receivedBy: string; wstrace?: { upgrade: string } }[];
}

function reportOf(stdout: string): Report {
  const ev = ndjson(stdout).find((e) => e.event === 'inspect');
  assert.ok(ev, `no inspect event:\n${stdout}`);
  assert.equal(ev.available, true, JSON.stringify(ev));
  return ev.report as Report;
}

function headerIn(report: Report, name: string): string | undefined {
  return report.headers.find(([k]) => k.toLowerCase() === name)?.[1];
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

// Tests inside a suite own their peers or only read shared servers, so they may overlap.
describe('proxy chain: echo ← a ← b ← client', { concurrency: 3 }, () => {
  let echo: CliServer, a: CliServer, b: CliServer, bStripped: CliServer;
  let strip: Awaited<ReturnType<typeof stripForwarder>>;
  before(async () => {
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json']);
    a = await startCliServer(undefined, ['proxy', '--target', base(echo.url), '--name', 'a', '--json']);
    // client → b → (raw forwarder that drops Upgrade/Connection, adds no Via) → a → echo
    strip = await stripForwarder(a.port);
    [b, bStripped] = await Promise.all([
      startCliServer(undefined, ['proxy', '--target', a.url, '--name', 'b', '--xfwd', '--json']),
      startCliServer(undefined, ['proxy', '--target', strip.url, '--name', 'b', '--json']),
    ]);
  });
  after(async () => {
    // Every process must stop by itself within 3 s of SIGINT: no tunnel or timer left behind.
    await stopAll(bStripped, b, a, echo);
    await strip?.close();
  });

  it('every proxy prints {"event":"listening"} first', () => {
    for (const [s, name] of [[a, 'a'], [b, 'b']] as const) {
      assert.equal(s.listening?.event, 'listening');
      assert.equal(s.listening?.name, name);
      assert.match(s.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('--inspect shows both hops in order, each with upgrade=present, and echoes through', async () => {
    const r = await runCli(['client', `${b.url}/echo`, '--inspect', '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = reportOf(r.stdout);
    assert.deepEqual(report.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), [['b', 'present'], ['a', 'present']]);
    assert.equal(resultOf(r.stdout).ok, true);
  });

  it('human --inspect prints the via chain in order', async () => {
    const r = await runCli(['client', `${b.url}/echo`, '--inspect']);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /via chain: b \(upgrade=present\) → a \(upgrade=present\)/);
  });

  it('--xfwd gives the endpoint X-Forwarded-Host (the original Host) and X-Forwarded-Proto: http', async () => {
    const r = await runCli(['client', `${b.url}/echo`, '--inspect', '--json']);
    assert.equal(r.code, 0, r.stdout);
    const report = reportOf(r.stdout);
    // What the client put in Host when it connected to b, not a's or the echo's address.
    assert.equal(headerIn(report, 'x-forwarded-host'), `127.0.0.1:${b.port}`);
    // http-proxy's own xfwd on the ws path would say "ws" (node-http-proxy #886).
    assert.equal(headerIn(report, 'x-forwarded-proto'), 'http');
    assert.equal(headerIn(report, 'x-forwarded-for'), '127.0.0.1');
  });

  it('a forwarder that strips Upgrade/Connection between b and a → upgrade-headers-stripped, "between b and a", exit 1', async () => {
    const r = await runCli(['client', `${bStripped.url}/echo`, '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'upgrade-headers-stripped', JSON.stringify(res.verdict));
    assert.equal(res.status, 426);
    const evidence = res.verdict!.evidence.join('\n');
    assert.match(evidence, /Upgrade \(got nothing\)/, 'names the missing Upgrade header');
    assert.match(evidence, /Connection/, 'names the missing Connection header');
    assert.match(evidence, /between "b" and "a"/);
    assert.match(res.verdict!.summary, /between "b" and "a"/);
    // The forwarder really did drop them (so the diagnosis is not a coincidence).
    assert.doesNotMatch(strip.forwarded.at(-1)!, /^upgrade:/im);
  });

  it('the same in human output: one verdict line, evidence, next step, aligned rows', async () => {
    const r = await runCli(['client', `${bStripped.url}/echo`]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^verdict: upgrade-headers-stripped: .*between "b" and "a"$/m);
    assert.match(r.stdout, /^  evidence: Via as received: b \(upgrade=present\) → a \(upgrade=absent\)$/m);
    assert.match(r.stdout, /^  next: /m);
    for (const l of r.stdout.split('\n').filter((x) => x.startsWith('['))) assert.match(l, /^\[ *\d+\.\d{3}\] \S.{8} \S/, l);
  });
});

describe('proxy stopping', () => {
  it('SIGINT with an open tunnel: the proxy exits by itself within 3 s and closes both sides', async (t) => {
    const echo = await startEcho({ name: 'behind' });
    t.after(() => echo.close());
    const proxy = await startCliServer(t, ['proxy', '--target', `ws://127.0.0.1:${echo.port}`, '--name', 'p', '--json']);
    const s = await rawConnect(proxy.port);
    t.after(() => s.destroy());
    s.write(upgradeRequest(`127.0.0.1:${proxy.port}`).text);
    assert.match((await readHead(s)).line, / 101 /);
    await waitUntil(() => echo.connections === 1, 3_000, 'the tunnel to reach the echo');
    const closing = readAll(s, 5_000);
    await proxy.stop();
    assert.equal((await closing).closed, true, 'the proxy closed the client side');
    await waitUntil(() => echo.connections === 0, 3_000, 'the proxy to close the upstream side');
  });
});

describe('proxy deadlines', { concurrency: 2 }, () => {
  it('hung upstream: the proxy answers 504 within its --timeout, the client says handshake-timeout, no socket left', async (t) => {
    const hung = await hangingServer();
    t.after(() => hung.close());
    const proxy = await startCliServer(t, ['proxy', '--target', hung.url, '--name', 'edge', '--timeout', '1s', '--json']);
    const r = await runCli(['client', `${proxy.url}/echo`, '--timeout', '4s', '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.status, 504);
    assert.equal(res.verdict?.code, 'handshake-timeout');
    assert.match(res.verdict!.summary, /"edge"/);
    const upgrade = ndjson(r.stdout).find((e) => e.event === 'phase' && e.phase === 'upgrade')!;
    assert.ok(Number(upgrade.ms) >= 900 && Number(upgrade.ms) < 3_500, `504 came after ${String(upgrade.ms)} ms, the hop's deadline is 1 s`);
    // The proxy let go of its upstream socket too (http-proxy would leave it: #1223).
    await hung.waitAllClosed(2_000);
    assert.equal(hung.accepted, 1);
    await proxy.stop();
  });

  it('hung upstream, in-process: nothing stays active after the 504', async (t) => {
    const hung = await hangingServer();
    t.after(() => hung.close());
    const proxy = await startProxy({ targets: [parseWsUrl(hung.url)], name: 'edge', timeoutMs: 300 });
    t.after(() => proxy.close());
    const res = await runClient({ target: parseWsUrl(`${proxy.url}/x`), timeoutMs: 3_000 }, memoryReporter());
    assert.equal(res.status, 504);
    await waitUntil(() => proxy.active === 0, 3_000, 'the proxy to forget the upgrade');
    await hung.waitAllClosed(2_000);
  });
});

describe('http-proxy pitfalls', { concurrency: 3 }, () => {
  it('a client reset before the upstream 101 does not crash the proxy; the next client is served', async (t) => {
    const hung = await hangingServer();
    t.after(() => hung.close());
    const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
    // Round-robin: the first upgrade goes to the hung upstream, the second to the echo.
    const proxy = await startCliServer(t, ['proxy', '--target', hung.url, '--target', base(echo.url), '--name', 'rr', '--json']);
    const s = await rawConnect(proxy.port);
    s.write(upgradeRequest(`127.0.0.1:${proxy.port}`).text);
    await waitUntil(() => hung.requests.length > 0, 5_000, 'the upgrade to reach the hung upstream');
    s.resetAndDestroy();
    await hung.waitAllClosed(3_000);
    const r = await runCli(['client', `${proxy.url}/echo`, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr + proxy.stderr());
    assert.equal(proxy.child.exitCode, null, 'the proxy is still running');
    assert.doesNotMatch(proxy.stderr(), NO_STACK);
    await proxy.stop();
    await echo.stop();
  });

  it('upstream refusing the connection → 502 with a JSON body naming the hop; the client socket is closed, not left half-open', async (t) => {
    const dead = await freePort();
    const proxy = await startProxy({ targets: [parseWsUrl(`ws://127.0.0.1:${dead}`)], name: 'gw', timeoutMs: 3_000 });
    t.after(() => proxy.close());
    // allowHalfOpen: we never end our side, so only the proxy can finish this socket.
    const s = await rawConnect(proxy.port, { allowHalfOpen: true });
    t.after(() => s.destroy());
    s.write(upgradeRequest(`127.0.0.1:${proxy.port}`).text);
    const head = await readHead(s);
    assert.match(head.line, /^HTTP\/1\.1 502 /);
    assert.equal(head.headers.find(([k]) => k.toLowerCase() === 'x-wstrace-hop')?.[1], 'gw');
    const rest = await readAll(s, 1_000);
    const body = JSON.parse(Buffer.concat([head.rest, rest.data]).toString()) as { hop: string; message: string };
    assert.equal(body.hop, 'gw');
    assert.match(body.message, /ECONNREFUSED/);
    await waitUntil(() => proxy.active === 0, 5_000, 'the proxy to destroy the answered socket');
    // The client now is definitely talking to nothing: a write is refused.
    s.write('x');
    await waitUntil(() => s.destroyed || s.errors.length > 0 || s.readyState !== 'open', 3_000, 'our socket to notice the proxy is gone');
  });

  it('client → wstrace client through a proxy whose upstream refuses: http-error 502 naming the hop', async (t) => {
    const dead = await freePort();
    const proxy = await startProxy({ targets: [parseWsUrl(`ws://127.0.0.1:${dead}`)], name: 'gw' });
    t.after(() => proxy.close());
    const res = await runClient({ target: parseWsUrl(`${proxy.url}/`), timeoutMs: 3_000 }, memoryReporter());
    assert.equal(res.status, 502);
    assert.equal(res.verdict?.code, 'http-error');
    assert.match(res.verdict!.evidence.join(' '), /wstrace hop "gw"/);
  });

  for (const [what, method, upgrade, status] of [
    ['a POST upgrade', 'POST', 'websocket', 405],
    ['an h2c upgrade', 'GET', 'h2c', 400],
  ] as const) {
    it(`${what} gets an HTTP ${status} answer, not a silent destroy`, async (t) => {
      const proxy = await startProxy({ targets: [parseWsUrl('ws://127.0.0.1:9')], name: 'gw' });
      t.after(() => proxy.close());
      const s = await rawConnect(proxy.port);
      t.after(() => s.destroy());
      const req = upgradeRequest(`127.0.0.1:${proxy.port}`, '/echo', {}, method).text.replace('Upgrade: websocket', `Upgrade: ${upgrade}`);
      s.write(req);
      const head = await readHead(s);
      assert.match(head.line, new RegExp(`^HTTP/1\\.1 ${status} `));
      const rest = await readAll(s, 3_000);
      assert.equal(rest.closed, true, 'the proxy closes after answering');
      const body = JSON.parse(Buffer.concat([head.rest, rest.data]).toString()) as { hop: string; message: string };
      assert.equal(body.hop, 'gw');
      assert.ok(body.message.includes(method === 'POST' ? 'POST' : 'h2c'), body.message);
      await waitUntil(() => proxy.active === 0, 3_000, 'nothing active');
    });
  }

  it('a proxy whose target is itself answers 508 and the client says loop-detected', async (t) => {
    const port = await freePort();
    const proxy = await startCliServer(t, ['proxy', '--port', String(port), '--target', `ws://127.0.0.1:${port}`, '--name', 'loopy', '--json']);
    const r = await runCli(['client', `${proxy.url}/echo`, '--json', '--timeout', '3s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.status, 508);
    assert.equal(res.verdict?.code, 'loop-detected');
    assert.match(res.verdict!.summary, /"loopy"/);
    await proxy.stop();
  });
});

describe('proxy under resets on both sides', () => {
  it('100 connections reset at random phases (client and upstream): the proxy survives, echoes, and holds nothing', async (t) => {
    const echo = await startEcho({ name: 'storm-echo' });
    t.after(() => echo.close());
    let upstreamPlan: (n: number) => ForwarderResetPhase | undefined = () => undefined;
    const upstream = await flakyForwarder(echo.port, (n) => upstreamPlan(n));
    t.after(() => upstream.close());
    const proxy = await startProxy({ targets: [parseWsUrl(upstream.url)], name: 'storm', timeoutMs: 2_000 });
    t.after(() => proxy.close());

    // A seeded generator: a failure can be replayed.
    let seed = 0x5eed;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const clientPhases = ['before-request', 'mid-head', 'after-101', 'mid-frame', 'after-close', 'complete'] as const;
    const upstreamPhases: ForwarderResetPhase[] = ['accept', 'after-head', 'after-101', 'mid-stream'];
    upstreamPlan = () => (rnd() < 0.3 ? upstreamPhases[Math.floor(rnd() * upstreamPhases.length)] : undefined);
    const seen: Record<string, number> = {};

    async function one(i: number): Promise<void> {
      const phase = clientPhases[Math.floor(rnd() * clientPhases.length)]!;
      seen[phase] = (seen[phase] ?? 0) + 1;
      const s = await rawConnect(proxy.port);
      try {
        if (phase === 'before-request') return;
        const req = upgradeRequest(`127.0.0.1:${proxy.port}`, `/storm/${i}`).text;
        if (phase === 'mid-head') {
          s.write(req.slice(0, 20 + Math.floor(rnd() * (req.length - 24))));
          await new Promise((r) => setTimeout(r, 5));
          return;
        }
        s.write(req);
        const head = await readHead(s, 5_000).catch(() => undefined);
        if (!head || !/ 101 /.test(head.line)) return; // the upstream died first: 502/closed, fine
        if (phase === 'after-101') return;
        if (phase === 'mid-frame') {
          s.write(frame(0x1, `storm ${i} `.repeat(20)).subarray(0, 30));
          return;
        }
        if (phase === 'after-close') {
          s.write(frame(0x8, closePayload(1000)));
          return;
        }
        s.write(frame(0x1, `storm ${i}`));
        await readAll(s, 200);
      } finally {
        s.resetAndDestroy();
      }
    }

    const N = 100;
    let next = 0;
    // Ten at a time: concurrency the proxy must cope with, without swamping a 2-core machine.
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < N) await one(next++);
    }));
    for (const p of clientPhases) assert.ok((seen[p] ?? 0) > 0, `phase ${p} never ran: ${JSON.stringify(seen)}`);
    assert.ok(upstream.resets > 0, 'the upstream never reset anything');

    await waitUntil(() => proxy.active === 0, 5_000, `the proxy to drop every upgrade (active=${proxy.active})`);
    await waitUntil(() => upstream.open === 0 && upstream.upstreams.size === 0, 5_000, 'the proxy to close every upstream socket');
    await waitUntil(() => echo.connections === 0, 5_000, 'the echo to see every connection close');

    // Healthy again: a normal client echoes through the same proxy.
    upstreamPlan = () => undefined;
    const res = await runClient({ target: parseWsUrl(`${proxy.url}/after-storm`), timeoutMs: 3_000, count: 3 }, memoryReporter());
    assert.equal(res.ok, true, JSON.stringify(res.verdict));
    assert.deepEqual(res.echoes, { sent: 3, matched: 3 });
    await waitUntil(() => proxy.active === 0, 3_000, 'the healthy client to be forgotten');
  });
});
