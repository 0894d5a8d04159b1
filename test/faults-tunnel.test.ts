// Faults on an open tunnel's lifetime: idle and age limits, a silent black hole, a TCP reset.
// Time windows are behavioural and generous (2 cores, other suites running at once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { encodeFrame } from '../src/protocol/frame-encoder.js';
import { withChain, hops, open, closed, echo, sleep } from './chain-helpers.js';

test('idle-timeout=1s: a silent tunnel is destroyed at ~1 s, no close frame (1006)', async (t) => {
  const chain = await withChain(t, hops(['idle-timeout=1s']));
  const ws = await open(t, chain.layers[0]!.url);
  assert.equal((await echo(ws, 'x', 2_000)).toString(), 'x');
  const c = await closed(ws, 4_000);
  assert.equal(c.code, 1006);
  assert.ok(c.ms > 800 && c.ms < 2_500, `closed ${Math.round(c.ms)} ms after the last traffic`);
});

test('idle-timeout reset=down: client-only traffic does not keep the tunnel alive; reset=up does', async (t) => {
  const chain = await withChain(t, hops(['idle-timeout=1s,reset=down'], ['idle-timeout=1s,reset=up']));
  // Unsolicited pongs (RFC 6455 §5.5.3) go up and draw no answer: traffic in one direction only.
  const downOnly = await open(t, chain.layers[0]!.url);
  const upOk = await open(t, chain.layers[1]!.url);
  const t0 = performance.now();
  const pinger = setInterval(() => {
    for (const ws of [downOnly, upOk]) if (ws.readyState === ws.OPEN) ws.pong();
  }, 200);
  t.after(() => clearInterval(pinger));
  const c = await closed(downOnly, 4_000, t0);
  assert.equal(c.code, 1006);
  assert.ok(c.ms > 800 && c.ms < 2_500, `reset=down closed at ${Math.round(c.ms)} ms despite client pongs`);
  await sleep(Math.max(0, 2_200 - (performance.now() - t0)));
  assert.equal(upOk.readyState, upOk.OPEN, 'reset=up: the same client pongs keep it open past 2 s');
  clearInterval(pinger);
});

test('max-lifetime=1s: the tunnel is cut at ~1 s although traffic flows', async (t) => {
  const chain = await withChain(t, hops(['max-lifetime=1s']));
  const ws = await open(t, chain.layers[0]!.url);
  const t0 = performance.now();
  const done = closed(ws, 4_000, t0);
  let echoes = 0;
  while (ws.readyState === ws.OPEN && performance.now() - t0 < 3_000) {
    if (Buffer.isBuffer(await echo(ws, 'tick', 1_000))) echoes++;
    await sleep(100);
  }
  const c = await done;
  assert.equal(c.code, 1006);
  assert.ok(c.ms > 800 && c.ms < 2_500, `cut at ${Math.round(c.ms)} ms`);
  assert.ok(echoes >= 3, `traffic was flowing (${echoes} echoes)`);
});

test('blackhole=500ms: relays at first, then nothing either way while TCP stays open', async (t) => {
  const chain = await withChain(t, hops(['blackhole=500ms']));
  const ws = await open(t, chain.layers[0]!.url);
  assert.equal((await echo(ws, 'early', 1_000)).toString(), 'early');
  await sleep(700);
  assert.equal(await echo(ws, 'late', 800), 'timeout');
  ws.ping();
  await sleep(300);
  assert.equal(ws.readyState, ws.OPEN, 'no close, no reset: half-open');
});

test('reset-after=1k: past 1 KiB the client gets a TCP RST (ECONNRESET), not a FIN', async (t) => {
  const chain = await withChain(t, hops(['reset-after=1k']));
  const { port } = new URL(chain.layers[0]!.url);
  const sock = net.connect(Number(port), '127.0.0.1');
  t.after(() => sock.destroy());
  const outcome = new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('nothing within 3 s'), 3_000);
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? e.message);
    });
    sock.on('end', () => {
      clearTimeout(timer);
      resolve('FIN');
    });
  });
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let head = '';
  await new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) {
        sock.off('data', onData);
        resolve();
      }
    };
    sock.on('data', onData);
  });
  assert.match(head, /^HTTP\/1\.1 101/);
  sock.on('data', () => {});
  // 100 B round trip passes; a 2000 B message crosses the limit.
  sock.write(encodeFrame({ opcode: 2, payload: Buffer.alloc(100), mask: true }));
  await sleep(200);
  sock.write(encodeFrame({ opcode: 2, payload: Buffer.alloc(2_000), mask: true }));
  assert.equal(await outcome, 'ECONNRESET');
});
