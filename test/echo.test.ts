/**
 * The echo endpoint, driven through the real CLI: `wstrace echo` as a child process, reached by
 * `wstrace client` and by raw sockets / plain HTTP. Covers the echo itself (text, binary, count,
 * --json), the 426 explainer, /health, the self-test page, subprotocols, --max-payload, the
 * endpoint's own close deadline, and that it never drops an idle client.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { assertInputError, ndjson, resultOf, runCli, startCliServer, type CliServer } from './helpers/cli.js';
import { closePayload, frame, rawConnect, readAll, readHead, upgradeRequest } from './helpers/raw-peers.js';

const STAMPED = /^\[ *\d+\.\d{3}\] /;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error('GET timed out')));
    req.on('error', reject);
  });
}

// Tests inside a suite share a server but not state, so they may overlap (sleep-bound waits).
describe('echo endpoint: default settings', { concurrency: 3 }, () => {
  let echo: CliServer;
  before(async () => {
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json']);
  });
  after(async () => {
    if (!echo) return;
    // The server must stop on SIGINT and leave no handle behind: it exits by itself.
    await echo.stop();
    assert.deepEqual(ndjson(echo.stdout()).map((e) => e.event), ['listening', 'stopped']);
  });

  it('prints {"event":"listening"} first, with the URL and name', () => {
    assert.equal(echo.listening?.event, 'listening');
    assert.match(echo.url, /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
    assert.equal(echo.listening?.name, 'echo');
    assert.ok(echo.port > 0);
  });

  it('echoes a text message: exit 0, human timeline with aligned [  0.0xx] stamps and a verdict-free ok line', async () => {
    const r = await runCli(['client', echo.url, '--message', 'ping über proxies']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const stamped = lines.filter((l) => STAMPED.test(l));
    const labels = stamped.map((l) => l.slice(10, 19).trim());
    assert.deepEqual(labels, ['resolve', 'connect', 'upgrade', 'open', 'echo', 'close']);
    // Every stamped row keeps its text in one column: stamp (9) + space + label (9) + space.
    for (const l of stamped) assert.match(l, /^\[ *\d+\.\d{3}\] \S.{8} \S/, `misaligned: ${l}`);
    assert.match(r.stdout, /upgrade +101 Switching Protocols in \d+\.\d ms, answered by wstrace endpoint "echo"/);
    assert.match(r.stdout, /echo +1\/1  \d+ B text, rtt \d+\.\d ms, matched/);
    assert.match(lines.at(-1)!, /^ok: ws:\/\/127\.0\.0\.1:\d+\/echo upgraded \(101\), 1\/1 echoes matched/);
    assert.doesNotMatch(r.stdout, /verdict/);
  });

  it('--json: phase events in order, three matched echoes, exactly one result (ok:true), every line JSON', async () => {
    const r = await runCli(['client', echo.url, '--count', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const events = ndjson(r.stdout);
    const phases = events.filter((e) => e.event === 'phase').map((e) => e.phase);
    assert.deepEqual(phases, ['resolve', 'connect', 'upgrade', 'open', 'close']);
    for (const e of events) assert.equal(typeof e.t, e.event === 'result' ? 'undefined' : 'number', JSON.stringify(e));
    const echoes = events.filter((e) => e.event === 'echo');
    assert.deepEqual(echoes.map((e) => [e.seq, e.count, e.ok]), [[1, 3, true], [2, 3, true], [3, 3, true]]);
    const res = resultOf(r.stdout);
    assert.equal(res.ok, true);
    assert.equal(res.status, 101);
    assert.equal(res.endpoint, 'echo');
    assert.deepEqual(res.echoes, { sent: 3, matched: 3 });
    assert.equal(res.closeCode, 1000);
    assert.equal(res.verdict, undefined);
  });

  it('echoes 70000-byte binary messages intact (--binary --size 70000)', async () => {
    const r = await runCli(['client', echo.url, '--binary', '--size', '70000', '--count', '2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const echoes = ndjson(r.stdout).filter((e) => e.event === 'echo');
    assert.equal(echoes.length, 2);
    for (const e of echoes) assert.deepEqual([e.bytes, e.binary, e.ok], [70000, true, true]);
    assert.equal(resultOf(r.stdout).ok, true);
  });

  it('answers a plain GET with 426 JSON naming the missing headers and the Via chain', async () => {
    const res = await get(echo.url.replace(/^ws/, 'http'), { Via: '1.1 lb (wstrace; upgrade=present), 1.1 cdn' });
    assert.equal(res.status, 426);
    assert.equal(res.headers['x-wstrace-endpoint'], 'echo');
    assert.match(String(res.headers['content-type']), /application\/json/);
    const body = JSON.parse(res.body) as { error: string; missing: { header: string }[]; via: { receivedBy: string; wstrace?: { upgrade: string } }[]; hint: string };
    assert.equal(body.error, 'upgrade-required');
    const missing = body.missing.map((m) => m.header);
    for (const h of ['Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version']) assert.ok(missing.includes(h), `missing should list ${h}: ${missing.join(', ')}`);
    assert.deepEqual(body.via.map((v) => v.receivedBy), ['lb', 'cdn']);
    assert.equal(body.via[0]!.wstrace?.upgrade, 'present');
    assert.ok(body.hint.length > 0);
  });

  it('GET /health → 200 JSON', async () => {
    const res = await get(echo.url.replace(/^ws/, 'http').replace(/\/echo$/, '/health'));
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body) as { ok: boolean; endpoint: string };
    assert.equal(body.ok, true);
    assert.equal(body.endpoint, 'echo');
  });

  it('GET / with Accept: text/html → the browser self-test page', async () => {
    const res = await get(echo.url.replace(/^ws/, 'http').replace(/\/echo$/, '/'), { Accept: 'text/html,application/xhtml+xml' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<html/i);
    assert.match(res.body, /new WebSocket\(/);
  });

  it('a close request with a code not allowed on the wire (1005) gets 1000, and the endpoint keeps serving', async (t) => {
    for (const bad of ['1005', '99999']) {
      const s = await rawConnect(echo.port);
      t.after(() => s.destroy());
      s.write(upgradeRequest(`127.0.0.1:${echo.port}`).text);
      const head = await readHead(s);
      assert.match(head.line, / 101 /);
      s.write(frame(0x1, `wstrace:close:${bad}`));
      s.once('data', () => s.write(frame(0x8, closePayload(1000))));
      const got = await readAll(s, 3_000);
      const all = Buffer.concat([head.rest, got.data]);
      assert.equal(all[0], 0x88, `a close frame for ${bad}`);
      assert.equal(all.readUInt16BE(2), 1000);
    }
    assert.equal(echo.child.exitCode, null, `the endpoint crashed: ${echo.stderr()}`);
    const health = await get(echo.url.replace(/^ws/, 'http').replace(/\/echo$/, '/health'));
    assert.equal(health.status, 200);
  });

  it('never closes an idle client on its own: still echoes after 3 s of silence', async () => {
    const r = await runCli(['client', echo.url, '--count', '2', '--interval', '3s', '--json'], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const echoes = ndjson(r.stdout).filter((e) => e.event === 'echo');
    assert.deepEqual(echoes.map((e) => e.ok), [true, true]);
    const gap = Number(echoes[1]!.t) - Number(echoes[0]!.t);
    assert.ok(gap >= 2_900, `the second echo came ${gap} ms after the first: the idle gap did not happen`);
  });
});

describe('echo endpoint: --subprotocol chat --max-payload 1k --timeout 1s (human output)', { concurrency: 3 }, () => {
  let echo: CliServer;
  before(async () => {
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--name', 'strict', '--subprotocol', 'chat', '--max-payload', '1k', '--timeout', '1s']);
  });
  after(async () => {
    await echo?.stop();
  });

  it('prints its listening line first, naming the URL', () => {
    assert.match(echo.firstLine, /^echo "strict" listening on ws:\/\/127\.0\.0\.1:\d+\/echo$/);
  });

  it('accepts the listed subprotocol', async () => {
    const r = await runCli(['client', echo.url, '--subprotocol', 'chat', '--json']);
    assert.equal(r.code, 0, r.stdout);
    const open = ndjson(r.stdout).find((e) => e.event === 'phase' && e.phase === 'open');
    assert.equal(open?.subprotocol, 'chat');
  });

  it('a subprotocol it does not accept → subprotocol-mismatch, exit 1', async () => {
    const r = await runCli(['client', echo.url, '--subprotocol', 'other', '--json']);
    assert.equal(r.code, 1, r.stdout);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'subprotocol-mismatch');
    assert.match(res.verdict!.summary, /other/);
  });

  it('a 2k message over --max-payload 1k → message-too-big with close 1009, exit 1', async () => {
    const r = await runCli(['client', echo.url, '--subprotocol', 'chat', '--size', '2k', '--json']);
    assert.equal(r.code, 1, r.stdout);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'message-too-big');
    assert.equal(res.closeCode, 1009);
    assert.match(res.verdict!.evidence.join(' '), /1009/);
  });

  it('a client that asks for a close (wstrace:close) and never answers is dropped after the close timeout', async (t) => {
    const s = await rawConnect(echo.port);
    t.after(() => s.destroy());
    const req = upgradeRequest(`127.0.0.1:${echo.port}`, '/echo', { 'Sec-WebSocket-Protocol': 'chat' });
    s.write(req.text);
    const head = await readHead(s);
    assert.match(head.line, /^HTTP\/1\.1 101 /);
    s.write(frame(0x1, 'wstrace:close:4000'));
    const t0 = performance.now();
    // We read the endpoint's close frame and deliberately never send ours back.
    const got = await readAll(s, 6_000);
    const waited = performance.now() - t0;
    assert.equal(got.closed, true, 'the endpoint never dropped the unresponsive client');
    const all = Buffer.concat([head.rest, got.data]);
    assert.equal(all[0], 0x88, 'the endpoint sent a close frame first');
    assert.equal(all.readUInt16BE(2), 4000);
    assert.ok(waited >= 800, `dropped after ${waited.toFixed(0)} ms: before its 1 s close timeout`);
    assert.ok(waited < 3_500, `dropped after ${waited.toFixed(0)} ms: long after its 1 s close timeout`);
  });

  it('a client that answers the close frame gets a clean close', async (t) => {
    const s = await rawConnect(echo.port);
    t.after(() => s.destroy());
    s.write(upgradeRequest(`127.0.0.1:${echo.port}`, '/echo', { 'Sec-WebSocket-Protocol': 'chat' }).text);
    const head = await readHead(s);
    assert.match(head.line, / 101 /);
    s.write(frame(0x1, 'wstrace:close'));
    s.once('data', () => s.write(frame(0x8, closePayload(1000))));
    const got = await readAll(s, 3_000);
    assert.equal(got.closed, true);
    assert.equal(Buffer.concat([head.rest, got.data]).readUInt16BE(2), 1000);
  });
});

describe('echo endpoint: stopping', () => {
  it('SIGTERM with a client connected that never answers the 1001 close: exits by itself within 3 s', async (t) => {
    const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
    const s = await rawConnect(echo.port);
    t.after(() => s.destroy());
    s.write(upgradeRequest(`127.0.0.1:${echo.port}`).text);
    assert.match((await readHead(s)).line, / 101 /);
    const closing = readAll(s, 5_000);
    await echo.stop(undefined, 'SIGTERM');
    const got = await closing;
    assert.equal(got.closed, true, 'the endpoint closed our socket');
    // It said why before going: a close frame with 1001 Going Away.
    const i = got.data.indexOf(0x88);
    assert.ok(i >= 0, 'a close frame came');
    assert.equal(got.data.readUInt16BE(i + 2), 1001);
    assert.deepEqual(ndjson(echo.stdout()).map((e) => [e.event, e.signal]), [['listening', undefined], ['stopped', 'SIGTERM']]);
  });
});

describe('echo endpoint: bad input', () => {
  it('--max-payload 1x → error naming the value, exit 2', async () => {
    assertInputError(await runCli(['echo', '--port', '0', '--max-payload', '1x'], { timeoutMs: 10_000 }), '"1x"');
  });
});
