// The control API over HTTP and the `wstrace fault` command: bad requests are 400s with one
// line and the hops keep serving; a non-loopback API must be asked for; every API socket has a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { request } from 'node:http';
import { withChain, open, echo } from './chain-helpers.js';
import { runCli, startCliServer, assertInputError, ndjson, waitFor } from './helpers/cli.js';
import type { FaultChange } from '../src/proxy/hop-faults.js';

/** One request to the API; resolves with status and parsed body. */
function call(base: string, method: string, path: string, body?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, agent: false, timeout: 3_000 });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 3 s`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.end(body);
  });
}

test('API: bad requests are 400 with a one-line reason, and the chain keeps serving', async (t) => {
  const changes: FaultChange[] = [];
  const chain = await withChain(t, { hops: [{ name: 'edge' }, { name: 'inner' }] }, { api: { port: 0 }, onFaultChange: (c) => changes.push(c) });
  const api = chain.api!;
  assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/);
  const BAD: [string, string, string | undefined, number, RegExp][] = [
    ['POST', '/hops/edge/faults', '{"spec": "latency=1s"', 400, /malformed JSON/],
    ['POST', '/hops/edge/faults', '[1]', 400, /must be a JSON object/],
    ['POST', '/hops/edge/faults', '', 400, /empty body/],
    ['POST', '/hops/edge/faults', '{"spec": "latency=1s", "colour": "red"}', 400, /unknown field "colour"/],
    ['POST', '/hops/edge/faults', '{"stream": "down"}', 400, /needs "spec"/],
    ['POST', '/hops/nope/faults', '{"spec": "latency=1s"}', 400, /unknown hop "nope": this API serves edge, inner/],
    ['POST', '/hops/edge/faults', '{"spec": "teleport"}', 400, /unknown fault "teleport"/],
    ['POST', '/hops/edge/faults', '{"spec": "latency=soon"}', 400, /bad latency "soon"/],
    ['POST', '/hops/edge/faults', '{"spec": "latency=1s", "stream": "left"}', 400, /stream must be up, down, both/],
    ['POST', '/hops/edge/faults', '{"spec": "latency=1s", "toxicity": "half"}', 400, /toxicity must be a number from 0 to 1/],
    ['POST', '/hops/edge/faults', '{"spec": "status=502", "stream": "up"}', 400, /has no direction/],
    ['DELETE', '/hops/edge/faults/latency', undefined, 400, /has no fault named "latency"/],
    ['PUT', '/hops/edge/faults/latency', '{"toxicity": 0.5}', 400, /has no fault named "latency"/],
    ['GET', '/hops/edge/faults/latency', undefined, 400, /has no fault named "latency"/],
    ['GET', '/nowhere', undefined, 404, /no route GET \/nowhere/],
    ['POST', '/hops/edge/faults', JSON.stringify({ spec: 'x'.repeat(70_000) }), 413, /body over/],
  ];
  for (const [method, path, body, status, re] of BAD) {
    const r = await call(api, method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${body}: ${JSON.stringify(r.body)}`);
    assert.match(String(r.body.error), re, `${method} ${path}`);
    assert.ok(!String(r.body.error).includes('\n'), 'one line');
  }
  assert.equal(changes.length, 0, 'no refused request changed anything');

  const added = await call(api, 'POST', '/hops/edge/faults', '{"spec": "latency=20ms", "stream": "down", "toxicity": 0.5}');
  assert.equal(added.status, 201);
  assert.deepEqual([added.body.name, added.body.stream, added.body.toxicity, added.body.live], ['latency', 'down', 0.5, true]);
  assert.equal((await call(api, 'POST', '/hops/edge/faults', '{"spec": "latency=5ms"}')).status, 400, 'name taken');
  const updated = await call(api, 'PUT', '/hops/edge/faults/latency', '{"toxicity": 1}');
  assert.deepEqual([updated.status, updated.body.toxicity, updated.body.stream], [200, 1, 'down']);
  const hops = await call(api, 'GET', '/hops');
  assert.deepEqual((hops.body.hops as { name: string }[]).map((h) => h.name), ['edge', 'inner']);
  assert.equal((await call(api, 'DELETE', '/hops/edge/faults/latency')).status, 200);
  const reset = await call(api, 'POST', '/reset');
  assert.deepEqual(reset.body, { removed: { edge: [], inner: [] } });
  assert.deepEqual(changes.map((c) => `${c.action} ${c.hop}`), ['add edge', 'update edge', 'remove edge', 'reset edge', 'reset inner']);

  const ws = await open(t, chain.layers[0]!.url);
  assert.equal((await echo(ws, 'still here', 2_000)).toString(), 'still here');
});

test('API: a socket that sends half a request is closed at the deadline', async (t) => {
  const chain = await withChain(t, { hops: [{}] }, { api: { port: 0 }, timeoutMs: 1_000 });
  const { port } = new URL(chain.api!);
  const sock = net.connect(Number(port), '127.0.0.1');
  t.after(() => sock.destroy());
  sock.on('error', () => {});
  await new Promise((r) => sock.once('connect', r));
  sock.write('POST /hops/hop-1/faults HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"spec"');
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('still open after 5 s')), 5_000);
    sock.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  assert.ok(performance.now() - t0 < 4_000);
});

test('CLI: the API binds loopback unless --api-host names another address', async () => {
  const rs = await Promise.all([
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--api', '0.0.0.0:0']),
    runCli(['chain', '--api', '192.0.2.1:8474']),
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--api-host', '0.0.0.0']),
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--api', 'soon']),
    runCli(['chain', '--api', '0', '--seed', '-1']),
  ]);
  assertInputError(rs[0]!, '0.0.0.0 is not a loopback address');
  assertInputError(rs[0]!, '--api-host 0.0.0.0');
  assertInputError(rs[1]!, '192.0.2.1 is not a loopback address');
  assertInputError(rs[2]!, '--api-host "0.0.0.0" needs --api PORT');
  assertInputError(rs[3]!, 'bad --api "soon"');
  assertInputError(rs[4]!, 'bad --seed "-1"');
});

test('CLI: wstrace fault ls|add|rm|reset against a chain, every change an event on the chain\'s output', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '2', '--api', '0', '--json']);
  const api = String(chain.listening!.api);
  assert.match(api, /^http:\/\/127\.0\.0\.1:\d+$/);

  const add = await runCli(['fault', 'add', '--api', api, '--hop', 'hop-1', 'latency=300ms', 'stream=down', '--json']);
  assert.equal(add.code, 0, add.stderr);
  const ev = ndjson(add.stdout)[0]!;
  assert.deepEqual([ev.event, ev.action, ev.hop, (ev.fault as { spec: string }).spec], ['fault', 'add', 'hop-1', 'latency=300ms stream=down']);

  const ls = await runCli(['fault', 'ls', '--api', api]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^hop-1 .*\n {2}name +spec +stream +toxicity +live +applied\n {2}latency +latency=300ms stream=down +down +1 +yes +0\nhop-2 .*\n {2}no faults\n$/);

  const [noHop, bad, rmUnknown] = await Promise.all([
    runCli(['fault', 'add', '--api', api, 'drop-pong']),
    runCli(['fault', 'add', '--api', api, '--hop', 'hop-2', 'teleport']),
    runCli(['fault', 'rm', '--api', api, '--hop', 'hop-2', 'latency']),
  ]);
  assertInputError(noHop, 'this API serves hop-1, hop-2; name one with --hop');
  assertInputError(bad, 'unknown fault "teleport"');
  assertInputError(rmUnknown, 'hop "hop-2" has no fault named "latency"');

  const rm = await runCli(['fault', 'rm', '--api', api, '--hop', 'hop-1', 'latency']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(rm.stdout, 'hop-1: removed "latency" (latency=300ms stream=down)\n');
  const reset = await runCli(['fault', 'reset', '--api', api]);
  assert.equal(reset.code, 0, reset.stderr);

  await waitFor(() => ndjson(chain.stdout()).filter((e) => e.event === 'fault').length >= 4, 3_000, 'fault events on the chain\'s output');
  const events = ndjson(chain.stdout()).filter((e) => e.event === 'fault');
  assert.deepEqual(events.map((e) => `${String(e.action)} ${String(e.hop)}`), ['add hop-1', 'remove hop-1', 'reset hop-1', 'reset hop-2']);
  await chain.stop();

  const gone = await runCli(['fault', 'ls', '--api', api]);
  assertInputError(gone, `cannot reach the control API at ${api}`);
});
