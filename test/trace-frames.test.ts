// --trace-frames: every frame a hop relays, per direction, with opcode, FIN, RSV bits, mask,
// length and close code — as structured events (chain --json) and as log lines (proxy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCliServer, ndjson, waitFor, type Ev } from './helpers/cli.js';

const shape = (e: Ev) => [e.dir, e.opcode, e.fin, e.rsv1, e.masked, e.length, e.closeCode ?? '-'];
const EXPECTED = [
  ['up', 'text', true, false, true, 2, '-'],
  ['down', 'text', true, false, false, 2, '-'],
  ['up', 'close', true, false, true, 2, 1000],
  ['down', 'close', true, false, false, 2, 1000],
];

test('chain --trace-frames --json: "hi" masked up, unmasked down, then the close handshake, in order', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '1', '--trace-frames', '--json', '--log-level', 'warn']);
  const c = await runCli(['client', chain.url, '--message', 'hi', '--no-deflate', '--json'], { timeoutMs: 10_000 });
  assert.equal(c.code, 0, c.stdout + c.stderr);
  await waitFor(() => ndjson(chain.stdout()).filter((e) => e.event === 'frame').length >= 4, 3_000, 'four frame events');
  await chain.stop();
  const frames = ndjson(chain.stdout()).filter((e) => e.event === 'frame');
  assert.deepEqual(frames.map(shape), EXPECTED);
  assert.deepEqual(frames.map((f) => f.seq), [1, 2, 3, 4]);
  assert.ok(frames.every((f) => f.hop === 'hop-1' && f.rsv2 === false && f.rsv3 === false && typeof f.t === 'number'));
});

test('chain --trace-frames (human): one aligned line per frame', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '1', '--trace-frames', '--log-level', 'warn']);
  const c = await runCli(['client', chain.url, '--message', 'hi', '--no-deflate'], { timeoutMs: 10_000 });
  assert.equal(c.code, 0, c.stdout + c.stderr);
  await waitFor(() => /upstream → client\s+close/.test(chain.stdout()), 3_000, 'the close frame line');
  await chain.stop();
  const lines = chain.stdout().split('\n').filter((l) => /→/.test(l) && /^\[/.test(l));
  assert.equal(lines.length, 4, chain.stdout());
  assert.match(lines[0]!, /^\[\s*\d+\.\d{3}\] hop-1\s+client → upstream\s+text fin rsv=000 masked 2 B$/);
  assert.match(lines[1]!, /upstream → client\s+text fin rsv=000 unmasked 2 B$/);
  assert.match(lines[2]!, /client → upstream\s+close fin rsv=000 masked 2 B 1000 Normal Closure$/);
  assert.match(lines[3]!, /upstream → client\s+close fin rsv=000 unmasked 2 B 1000 Normal Closure$/);
});

test('proxy --trace-frames: the same frames as NDJSON events on stdout, and as debug log lines', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const base = echo.url.replace(/\/echo$/, '');
  const proxy = await startCliServer(t, ['proxy', '--target', base, '--name', 'edge', '--trace-frames', '--json', '--log-level', 'debug']);
  const c = await runCli(['client', `${proxy.url}/echo`, '--message', 'hi', '--no-deflate', '--json'], { timeoutMs: 10_000 });
  assert.equal(c.code, 0, c.stdout + c.stderr);
  const events = () => ndjson(proxy.stdout()).filter((e) => e.event === 'frame');
  const logged = () => proxy.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Ev).filter((l) => l.opcode !== undefined);
  await waitFor(() => events().length >= 4 && logged().length >= 4, 3_000, 'four frame events and log lines');
  await Promise.all([proxy.stop(), echo.stop()]);
  assert.deepEqual(events().map(shape), EXPECTED);
  assert.equal(events()[0]!.hop, 'edge');
  const frames = logged();
  assert.deepEqual(frames.map(shape), EXPECTED);
  assert.match(String(frames[0]!.msg), /client → upstream text fin rsv=000 masked 2 B/);
});

test('the tap watches the client side of a hop\'s faults: the injected close 1009 shows, going down', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '1', '--fault', '1:max-message=100', '--trace-frames', '--json', '--log-level', 'warn']);
  const c = await runCli(['client', chain.url, '--size', '200', '--no-deflate', '--json'], { timeoutMs: 10_000 });
  assert.equal(c.code, 1, c.stdout + c.stderr);
  await waitFor(() => ndjson(chain.stdout()).filter((e) => e.event === 'frame').length >= 2, 3_000, 'two frame events');
  await chain.stop();
  const frames = ndjson(chain.stdout()).filter((e) => e.event === 'frame');
  assert.deepEqual(frames.slice(0, 2).map(shape), [
    ['up', 'text', true, false, true, 200, '-'],
    ['down', 'close', true, false, false, 2 + Buffer.byteLength('message too big for this hop (> 100 B)'), 1009],
  ]);
});

test('chain --trace-frames --json: two concurrent connections\' frames are told apart by conn, each in its own order', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '1', '--trace-frames', '--json', '--log-level', 'warn']);
  const clients = await Promise.all(['ab', 'cd'].map((m) => runCli(['client', chain.url, '--message', m, '--no-deflate', '--json'], { timeoutMs: 10_000 })));
  for (const c of clients) assert.equal(c.code, 0, c.stdout + c.stderr);
  await waitFor(() => ndjson(chain.stdout()).filter((e) => e.event === 'frame').length >= 8, 3_000, 'eight frame events');
  await chain.stop();
  const frames = ndjson(chain.stdout()).filter((e) => e.event === 'frame');
  const conns = [...new Set(frames.map((f) => f.conn))];
  assert.equal(conns.length, 2, `two connections: ${JSON.stringify(conns)}`);
  for (const conn of conns) {
    const mine = frames.filter((f) => f.conn === conn);
    assert.ok(Number.isInteger(conn) && Number(conn) >= 1, `conn ${String(conn)}`);
    assert.deepEqual(mine.map((f) => f.seq), [1, 2, 3, 4], `conn ${String(conn)}: its own sequence`);
    assert.deepEqual(mine.map(shape), EXPECTED);
  }
});
