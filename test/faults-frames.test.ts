// Frame-aware and data-path faults: message cap, swallowed close/pong frames, RSV1 flips,
// re-chunking, latency and bandwidth. Each shows the effect on a real ws client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withChain, hops, open, closed, echo, sleep } from './chain-helpers.js';

test('max-message=32768: 32768 B echoes; 32769 B gets close 1009 from the hop and the tunnel drops', async (t) => {
  const chain = await withChain(t, hops(['max-message=32768']));
  const ws = await open(t, chain.layers[0]!.url);
  const ok = Buffer.alloc(32_768, 1);
  assert.ok(ok.equals((await echo(ws, ok, 3_000)) as Buffer), '32768 B echoed intact');
  const done = closed(ws, 3_000);
  assert.equal(await echo(ws, Buffer.alloc(32_769, 2), 3_000), 'closed', 'no echo of the oversized message');
  const c = await done;
  assert.equal(c.code, 1009);
  assert.match(c.reason, /32768/);
});

test('max-message counts a fragmented message as a whole', async (t) => {
  const chain = await withChain(t, hops(['max-message=1000']));
  const ws = await open(t, chain.layers[0]!.url);
  const done = closed(ws, 3_000);
  ws.send(Buffer.alloc(600), { fin: false });
  ws.send(Buffer.alloc(600), { fin: true });
  assert.equal((await done).code, 1009);
});

test('drop-close=up: our close frame never arrives; drop-close=down: the answer is lost (1006)', async (t) => {
  const chain = await withChain(t, hops(['drop-close=up'], ['drop-close=down'], []));
  const up = await open(t, chain.layers[0]!.url);
  const down = await open(t, chain.layers[1]!.url);
  const healthy = await open(t, chain.layers[2]!.url);
  const waits = [closed(up, 1_000).catch((e: Error) => e.message), closed(down, 3_000), closed(healthy, 3_000)] as const;
  for (const ws of [up, down, healthy]) ws.close(1000, 'bye');
  const [u, d, h] = await Promise.all(waits);
  assert.match(String(u), /no close within/, 'up: unanswered');
  assert.equal(d.code, 1006, 'down: the endpoint answered and closed TCP, its close frame was swallowed');
  assert.equal(h.code, 1000, 'without the fault: answered');
});

test('drop-pong: pings go unanswered while data still flows', async (t) => {
  const chain = await withChain(t, hops(['drop-pong'], []));
  const faulty = await open(t, chain.layers[0]!.url);
  const healthy = await open(t, chain.layers[1]!.url);
  const pongs = { faulty: 0, healthy: 0 };
  faulty.on('pong', () => pongs.faulty++);
  healthy.on('pong', () => pongs.healthy++);
  faulty.ping('a');
  healthy.ping('b');
  assert.equal((await echo(faulty, 'data', 2_000)).toString(), 'data');
  await sleep(300);
  assert.deepEqual(pongs, { faulty: 0, healthy: 1 });
});

test('corrupt-rsv1: data frames to the client carry a flipped RSV1 and fail the connection', async (t) => {
  const chain = await withChain(t, hops(['corrupt-rsv1']));
  for (const deflate of [false, true]) {
    const ws = await open(t, chain.layers[0]!.url, { perMessageDeflate: deflate });
    const errors: string[] = [];
    ws.on('error', (e: Error & { code?: string }) => errors.push(e.code ?? e.message));
    assert.equal(await echo(ws, 'hello', 2_000), 'closed');
    // Without deflate RSV1 is illegal (§5.2). With it (RFC 7692) the endpoint sends a message this
    // small uncompressed (no_context_takeover + ws's 1 KiB threshold), so the flipped bit makes the
    // client inflate plain bytes: zlib refuses them.
    assert.deepEqual(errors, [deflate ? 'Z_DATA_ERROR' : 'WS_ERR_UNEXPECTED_RSV_1'], `deflate ${deflate}`);
  }
});

test('slicer: data arrives in many small pieces and intact', async (t) => {
  const chain = await withChain(t, hops(['slicer:avg=16,delay=2ms']));
  const ws = await open(t, chain.layers[0]!.url);
  let reads = 0;
  (ws as unknown as { _socket: import('node:net').Socket })._socket.on('data', () => reads++);
  const payload = Buffer.from('0123456789abcdef'.repeat(30));
  assert.ok(payload.equals((await echo(ws, payload, 5_000)) as Buffer));
  assert.ok(reads >= 8, `the echo came in ${reads} reads`);
});

test('latency=300ms: a round trip through the hop takes at least 2 × 300 ms, data intact', async (t) => {
  const chain = await withChain(t, hops(['latency=300ms,jitter=20ms']));
  const ws = await open(t, chain.layers[0]!.url);
  const t0 = performance.now();
  assert.equal((await echo(ws, 'slow', 3_000)).toString(), 'slow');
  assert.ok(performance.now() - t0 >= 550, `rtt ${Math.round(performance.now() - t0)} ms`);
});

test('bandwidth=20k: 20 KiB each way takes about 2 s', async (t) => {
  const chain = await withChain(t, hops(['bandwidth=20k']));
  const ws = await open(t, chain.layers[0]!.url);
  const payload = Buffer.alloc(20 * 1024, 7);
  const t0 = performance.now();
  assert.ok(payload.equals((await echo(ws, payload, 6_000)) as Buffer));
  assert.ok(performance.now() - t0 >= 1_600, `rtt ${Math.round(performance.now() - t0)} ms`);
});
