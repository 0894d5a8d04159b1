// Faults changed while traffic flows, through the library (chain.hop(name)): a live tunnel sees a
// stream stage come and go on the same connection; toxicity draws per connection, seeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withChain, open, echo, sleep } from './chain-helpers.js';
import type { FaultChange } from '../src/proxy/hop-faults.js';
import type { WebSocket } from 'ws';

/** Round trips of `n` echoes, ms each (the connection must answer every one within 5 s). */
async function rtts(ws: WebSocket, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await echo(ws, `m${i}`, 5_000);
    assert.ok(Buffer.isBuffer(r), `echo ${i}: ${String(r)}`);
    out.push(performance.now() - t0);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('latency=300ms stream=down added to a live tunnel steps the RTT up; removing it steps it down (one connection)', async (t) => {
  const changes: FaultChange[] = [];
  const chain = await withChain(t, { hops: [{ name: 'edge' }, {}] }, { onFaultChange: (c) => changes.push(c) });
  const ws = await open(t, chain.layers[0]!.url);
  const before = await rtts(ws, 5);

  const added = await chain.hop('edge').addFault('latency=300ms stream=down');
  assert.deepEqual({ name: added.name, kind: added.kind, stream: added.stream, toxicity: added.toxicity, live: added.live }, { name: 'latency', kind: 'latency', stream: 'down', toxicity: 1, live: true });
  const slow = await rtts(ws, 4);

  await chain.hop('edge').removeFault('latency');
  await sleep(400); // what the removed stage still held goes on first
  const after = await rtts(ws, 5);

  const msg = `before ${before.map(Math.round)} slow ${slow.map(Math.round)} after ${after.map(Math.round)}`;
  // Generous: the step is asserted, not its exact size (2 cores, other suites at once).
  assert.ok(Math.min(...slow) >= 280, `every round trip with the fault waits ~300 ms: ${msg}`);
  assert.ok(median(after) < Math.min(...slow) - 150, `removing it steps the RTT back down: ${msg}`);
  assert.ok(median(before) < Math.min(...slow) - 150, msg);
  assert.equal(ws.readyState, ws.OPEN, 'the same connection throughout');
  assert.deepEqual(changes.map((c) => [c.action, c.hop, c.fault?.name, c.tunnels]), [['add', 'edge', 'latency', 1], ['remove', 'edge', 'latency', 1]]);
  const counters = await chain.hop('edge').counters();
  assert.equal(counters.connections.tunnels, 1);
  assert.equal(counters.connections.open, 1);
  assert.ok(counters.bytes.up > 0 && counters.bytes.down > 0, JSON.stringify(counters));
});

test('a frame fault added live starts on a frame boundary: drop-pong on an open tunnel, then removed', async (t) => {
  const chain = await withChain(t, { hops: [{ name: 'edge' }] });
  const ws = await open(t, chain.layers[0]!.url);
  const pong = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      ws.once('pong', () => {
        clearTimeout(timer);
        resolve(true);
      });
      ws.ping();
    });
  assert.equal(await pong(2_000), true);
  // A big message in flight while the fault arrives: the stage must not start mid-frame.
  const big = echo(ws, Buffer.alloc(256 * 1024, 7), 5_000);
  await chain.hop('edge').addFault('drop-pong');
  const r = await big;
  assert.ok(Buffer.isBuffer(r) && r.length === 256 * 1024, 'the big echo arrives whole');
  assert.equal(await pong(800), false, 'pongs are swallowed now');
  assert.equal((await echo(ws, 'still', 2_000)).toString(), 'still', 'data still flows');
  await chain.hop('edge').removeFault('drop-pong');
  await sleep(100);
  assert.equal(await pong(2_000), true, 'pongs pass again');
});

test('toxicity=0.5 on reset-after over 200 connections resets about half (seeded: 100 ± 25)', async (t) => {
  const chain = await withChain(t, { hops: [{ name: 'edge', faults: ['reset-after=0,toxicity=0.5'] }] }, { seed: 18 });
  const url = chain.layers[0]!.url;
  let survived = 0;
  let reset = 0;
  const one = async () => {
    const ws = await open(t, url).catch(() => undefined);
    const r = ws ? await echo(ws, 'x', 3_000) : 'closed';
    if (Buffer.isBuffer(r)) survived++;
    else reset++;
    ws?.terminate();
  };
  for (let i = 0; i < 200; i += 10) await Promise.all(Array.from({ length: 10 }, one));
  const counters = await chain.hop('edge').counters();
  assert.equal(survived + reset, 200);
  assert.ok(reset >= 75 && reset <= 125, `reset ${reset} of 200`);
  assert.equal(counters.faults['reset-after'], reset, 'the hop counts exactly the connections it reset');
  assert.equal(counters.connections.upgrades, 200);
});

test('the library rejects bad changes with one-line errors and keeps serving', async (t) => {
  const chain = await withChain(t, { hops: [{ name: 'edge' }] });
  const hop = chain.hop('edge');
  await assert.rejects(hop.addFault('teleport'), /unknown fault "teleport"/);
  await assert.rejects(hop.addFault('latency=1s', { stream: 'sideways' as 'up' }), /stream must be up, down, both/);
  await assert.rejects(hop.addFault('status=502', { stream: 'up' }), /has no direction/);
  await assert.rejects(hop.addFault('latency=1s', { toxicity: 2 }), /toxicity must be a number from 0 to 1/);
  await assert.rejects(hop.removeFault('latency'), /has no fault named "latency"/);
  assert.throws(() => chain.hop('nope'), /unknown hop "nope"/);
  await hop.addFault('latency=10ms');
  await assert.rejects(hop.addFault('latency=20ms'), /already has a fault named "latency"/);
  const second = await hop.addFault('latency=20ms', { name: 'more' });
  assert.equal(second.spec, 'latency=20ms,name=more');
  const updated = await hop.updateFault('more', { toxicity: 0.25 });
  assert.deepEqual([updated.name, updated.toxicity, updated.spec], ['more', 0.25, 'latency=20ms,toxicity=0.25,name=more']);
  assert.deepEqual(await hop.reset(), ['latency', 'more']);
  const ws = await open(t, chain.layers[0]!.url);
  assert.equal((await echo(ws, 'ok', 2_000)).toString(), 'ok');
});
