/**
 * `wstrace probe` against raw TCP peers that misbehave on purpose (no WebSocket library): a 101
 * with a wrong accept key that then never answers or closes, a server that never answers the
 * upgrade, one that starts a close and then waits forever. The matching checks must FAIL with
 * precise evidence, the probe must end within --max-wait + 1 s, and no socket may stay open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ndjson, resultOf, runCli, type Ev } from './helpers/cli.js';
import { PeerServer, acceptFor, closePayload, frame, hangingServer, header, readHead, wrongAcceptServer } from './helpers/raw-peers.js';
import { parseWsUrl } from '../src/net/url.js';
import { memoryReporter } from '../src/events.js';
import { CHECKS } from '../src/probe/registry.js';
import { runProbe } from '../src/probe/run.js';

function rows(stdout: string): Record<string, Ev & { evidence: string[] }> {
  return Object.fromEntries(ndjson(stdout).filter((e) => e.event === 'check').map((e) => [e.name, e as Ev & { evidence: string[] }]));
}

test('wrong accept key, never closes: the matching checks FAIL with evidence; done within --max-wait + 1 s', async (t) => {
  const peer = await wrongAcceptServer();
  t.after(() => peer.close());
  let resultAt = 0;
  const r = await runCli(['probe', `${peer.url}/ws`, '--all', '--timeout', '1s', '--max-wait', '3s', '--json'], {
    timeoutMs: 20_000,
    onLine: (l) => void (l.includes('"event":"result"') && (resultAt = performance.now())),
  });
  const exitedAt = performance.now();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const by = rows(r.stdout);

  const hs = by['handshake']!;
  assert.equal(hs.status, 'fail');
  assert.equal(hs.code, 'bad-accept');
  const line = hs.evidence.find((e) => e.startsWith('Sec-WebSocket-Accept: sent key'));
  assert.ok(line, JSON.stringify(hs.evidence));
  // The evidence names a key the server really received, its correct accept, and the wrong one sent.
  assert.ok(
    peer.sent.some((s) => line.includes(s.key) && line.includes(`expected ${acceptFor(s.key)}`) && line.includes(`got "${s.wrongAccept}"`)),
    line,
  );

  assert.equal(by['close-reply']!.status, 'fail');
  assert.equal(by['close-reply']!.value, 1000);
  assert.equal(by['echo']!.status, 'fail');
  assert.match(by['echo']!.evidence[0]!, /nothing came back within 1\.00 s/);
  assert.equal(by['ping']!.status, 'fail');
  for (const name of ['invalid-utf8', 'reserved-opcode', 'unmasked-client-frame', 'oversized-control']) {
    assert.equal(by[name]!.status, 'fail', `${name}: a peer that never reacts hangs its clients`);
  }
  assert.equal(by['max-message']!.status, 'fail');
  assert.equal(by['unanswered-close']!.status, 'warn', 'it never started a close: nothing to measure');

  const result = resultOf(r.stdout);
  assert.equal(result.verdict?.code, 'bad-accept');
  assert.ok(Number(result.totalMs) <= 3_000 + 1_000, `probe ran ${String(result.totalMs)} ms with --max-wait 3s`);
  assert.ok(resultAt > 0 && exitedAt - resultAt < 1_500, `process exited ${Math.round(exitedAt - resultAt)} ms after its result: a leaked handle?`);
  await peer.waitAllClosed(1_000);
});

test('in-process: every socket the probe opened is closed by the time runProbe returns', async (t) => {
  const peer = await wrongAcceptServer();
  t.after(() => peer.close());
  const t0 = performance.now();
  const result = await runProbe({
    target: parseWsUrl(`${peer.url}/ws`), checks: CHECKS, timeoutMs: 500, maxWaitMs: 2_000,
    keepaliveMs: 300, maxSize: 1 << 20, subprotocols: [], headers: {}, tls: {},
  }, memoryReporter());
  const ms = performance.now() - t0;
  assert.equal(result.ok, false);
  assert.ok(ms <= 2_000 + 1_000, `took ${Math.round(ms)} ms`);
  assert.ok(peer.accepted >= CHECKS.length, `only ${peer.accepted} connections`);
  // Our side is destroyed already; give the FINs a moment to arrive.
  await peer.waitAllClosed(1_000);
});

test('a server that accepts TCP and never answers: every row FAILs after --timeout, verdict handshake-timeout', async (t) => {
  const peer = await hangingServer();
  t.after(() => peer.close());
  const r = await runCli(['probe', peer.url, '--timeout', '500ms', '--json'], { timeoutMs: 15_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const all = Object.values(rows(r.stdout));
  assert.equal(all.length, 11);
  for (const c of all) assert.equal(c.status, 'fail');
  const result = resultOf(r.stdout);
  assert.equal(result.verdict?.code, 'handshake-timeout');
  assert.ok(Number(result.totalMs) < 500 + 1_000, `took ${String(result.totalMs)} ms`);
  assert.equal(peer.accepted, 1, 'one connection learns there is no 101; the checks do not each wait again');
  await peer.waitAllClosed(1_000);
});

test('a peer that starts a close and then waits forever: unanswered-close FAILs --max-wait after its close', async (t) => {
  const peer = await new PeerServer((socket) => {
    readHead(socket).then((head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      if (head.line.includes('/closer')) socket.write(frame(0x8, closePayload(1001, 'going away'), false));
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  }).listen();
  t.after(() => peer.close());
  const r = await runCli(['probe', `${peer.url}/closer`, '--check', 'unanswered-close', '--max-wait', '1500ms', '--json'], { timeoutMs: 15_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const c = rows(r.stdout)['unanswered-close']!;
  assert.equal(c.status, 'fail');
  assert.equal(c.closeCode, 1001);
  assert.equal(c.unit, 's');
  // --max-wait counts from the peer's close frame, plus 5 % + 250 ms for a late timer.
  assert.ok(Number(c.value) >= 1.5 && Number(c.value) <= 2.2, `still open for ${String(c.value)} s`);
  assert.equal(resultOf(r.stdout).verdict?.code, 'close-unanswered');
  await peer.waitAllClosed(1_000);
});

test('a peer that ignores protocol violations: the violation checks WARN (ignored), not PASS or FAIL', async (t) => {
  // Answers every chunk it reads with a text frame, parsing nothing: a peer that never validates.
  const peer = await new PeerServer((socket) => {
    readHead(socket).then((head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      socket.on('data', () => socket.write(frame(0x1, 'whatever you say', false)));
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  }).listen();
  t.after(() => peer.close());
  const names = ['invalid-utf8', 'reserved-opcode', 'unmasked-client-frame', 'oversized-control'];
  const r = await runCli(['probe', peer.url, ...names.flatMap((n) => ['--check', n]), '--json'], { timeoutMs: 15_000 });
  assert.equal(r.code, 0, `WARN rows alone do not fail the run\n${r.stdout}${r.stderr}`);
  const by = rows(r.stdout);
  for (const n of names) {
    assert.equal(by[n]!.status, 'warn', JSON.stringify(by[n]));
    assert.match(String(by[n]!.summary), /^ignored the violation/);
  }
  await peer.waitAllClosed(1_000);
});
