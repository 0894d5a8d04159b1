/**
 * `wstrace client URL --concurrency/--pipeline/--rate/--duration`: the load generator, driven
 * through the real CLI against the real echo endpoint and against raw peers that misbehave.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { assertInputError, ndjson, resultOf, runCli, startCliServer, type CliServer, type Ev } from './helpers/cli.js';
import { acceptFor, header, readHead } from './helpers/raw-peers.js';

interface LoadEv extends Ev {
  connections: number;
  opened: number;
  messages: number;
  sent: number;
  unsent: number;
  errors: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  msgsPerSec: number;
  bytesPerSec: number;
  ms: number;
  size: number;
  rate: number | null;
  correctedForCoordinatedOmission: boolean;
}

// One endpoint for the whole file: every load run closes its connections, so runs do not interfere.
let echo: CliServer;
before(async () => {
  echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
});
after(async () => {
  // It must still stop by itself after thousands of echoes: a leaked connection would hang it.
  await echo.stop(5_000);
});

function loadOf(stdout: string): LoadEv {
  const events = ndjson(stdout);
  assert.deepEqual(events.map((e) => e.event), ['load', 'result'], `--json prints load then result:\n${stdout}`);
  return events[0] as LoadEv;
}

/** Accepts upgrades with a correct 101, then reads and never answers: a black-holed flow. */
async function silentPeer(t: { after: (fn: () => unknown) => void }): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer(async (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const head = await readHead(socket).catch(() => undefined);
    if (!head) return void socket.destroy();
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(header(head, 'sec-websocket-key') ?? '')}\r\n\r\n`);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

test('closed loop: C connections × K in flight echo exactly --count messages, then load and result', async () => {
  const r = await runCli(['client', echo.url, '--concurrency', '3', '--pipeline', '4', '--count', '300', '--size', '100', '--binary', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = loadOf(r.stdout);
  assert.equal(ev.connections, 3);
  assert.equal(ev.opened, 3);
  assert.equal(ev.messages, 300);
  assert.equal(ev.sent, 300);
  assert.deepEqual(ev.errors, {});
  assert.equal(ev.size, 100);
  const l = ev.latencyMs;
  assert.ok(l.p50 > 0 && l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max, JSON.stringify(l));
  assert.ok(ev.msgsPerSec > 0);
  // bytes/s is the echoed payload over the message phase.
  assert.ok(Math.abs(ev.bytesPerSec - (300 * 100 * 1000) / ev.ms) <= ev.bytesPerSec * 0.01 + 1, JSON.stringify(ev));
  assert.equal(ev.correctedForCoordinatedOmission, false);
  assert.equal(resultOf(r.stdout).ok, true);
});

test('--duration stops the run on time and closes every connection', async () => {
  const r = await runCli(['client', echo.url, '--concurrency', '4', '--duration', '1s', '--no-deflate', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = loadOf(r.stdout);
  assert.ok(ev.messages > 10, `a second of echoes: ${ev.messages}`);
  assert.ok(ev.ms >= 950 && ev.ms < 1_000 + 5_000, `message phase ${ev.ms} ms`);
  assert.deepEqual(ev.errors, {});
  assert.ok(r.ms < 1_000 + 10_000, `the run ends within --duration plus handshakes and closes (${r.ms} ms)`);
});

test('--rate paces messages and measures latency from each intended send time', async () => {
  const r = await runCli(['client', echo.url, '--concurrency', '2', '--rate', '200', '--count', '100', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ev = loadOf(r.stdout);
  assert.equal(ev.messages, 100);
  assert.equal(ev.unsent, 0);
  assert.equal(ev.rate, 200);
  assert.equal(ev.correctedForCoordinatedOmission, true);
  // 100 messages at 200/s: the last one is due 495 ms after the first, so pacing took about half a second.
  assert.ok(ev.ms >= 450, `paced run took ${ev.ms} ms; unpaced it would take a few ms`);
  assert.ok(ev.msgsPerSec <= 260, `paced at ~200 msgs/s, measured ${ev.msgsPerSec}`);
});

test('a peer that never echoes: every connection fails half-open after --timeout, exit 1', async (t) => {
  const port = await silentPeer(t);
  const r = await runCli(['client', `ws://127.0.0.1:${port}/`, '--concurrency', '3', '--count', '30', '--timeout', '500ms', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const ev = loadOf(r.stdout);
  assert.deepEqual(ev.errors, { 'half-open': 3 });
  assert.equal(ev.messages, 0);
  assert.equal(resultOf(r.stdout).verdict?.code, 'half-open');
  assert.ok(r.ms < 500 + 8_000, `bounded by the per-message deadline (${r.ms} ms)`);
});

test('nothing listens: errors counted by verdict code, one verdict line in human output', async () => {
  // Port 9 (discard) has no listener on a test machine: connect is refused at once.
  const r = await runCli(['client', 'ws://127.0.0.1:9/', '--concurrency', '2', '--count', '5']);
  const ctx = `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 1, ctx);
  assert.match(r.stdout, /^\[\s*\d+\.\d{3}\] load {6}0\/2 connections to ws:\/\/127\.0\.0\.1:9\//m, ctx);
  assert.match(r.stdout, /^ {20}errors {5}connect-refused ×2$/m, ctx);
  assert.match(r.stdout, /^verdict: connect-refused: /m, ctx);
  assert.match(r.stdout, /^ {2}next: /m, ctx);
});

test('the endpoint closing mid-run is a peer-closed error per connection', async () => {
  // wstrace:close:4001 asks the endpoint to close with 4001 instead of echoing.
  const r = await runCli(['client', echo.url, '--concurrency', '2', '--count', '10', '--message', 'wstrace:close:4001', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(loadOf(r.stdout).errors, { 'peer-closed': 2 });
  assert.match(resultOf(r.stdout).verdict?.summary ?? '', /4001/);
});

test('a server that alters the payload is an echo-mismatch', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => ws.on('message', (d: Buffer) => ws.send(Buffer.concat([d, Buffer.from('!')]))));
  await new Promise<void>((resolve) => wss.on('listening', resolve));
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  const r = await runCli(['client', `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, '--concurrency', '2', '--count', '4', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.deepEqual(loadOf(r.stdout).errors, { 'echo-mismatch': 2 });
});

test('human output: aligned summary block and an ok line', async () => {
  const r = await runCli(['client', echo.url, '--concurrency', '2', '--pipeline', '2', '--count', '40']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^\[\s*\d+\.\d{3}\] load {6}2\/2 connections to ws:\/\/.*, 18 B text, 2 in flight each$/);
  for (const label of ['messages', 'latency', 'throughput', 'handshake', 'errors']) {
    assert.ok(lines.some((l) => new RegExp(`^ {20}${label} +\\S`).test(l)), `a "${label}" row in:\n${r.stdout}`);
  }
  assert.match(r.stdout, /^ {20}latency {4}p50 \d+\.\d{3} {2}p90 \d+\.\d{3} {2}p99 \d+\.\d{3} {2}max \d+\.\d{3} ms$/m);
  assert.equal(lines.at(-1), 'ok: every connection upgraded, echoed and closed cleanly');
  assert.equal(r.stderr, '', 'no progress lines when stderr is not a TTY');
});

test('bad load options: one error line, exit 2', async () => {
  const url = 'ws://127.0.0.1:9/';
  const cases: [string[], string][] = [
    [['--concurrency', '0'], '--concurrency "0"'],
    [['--concurrency', '2', '--pipeline', '1.5'], '--pipeline "1.5"'],
    [['--rate', '0'], '--rate "0"'],
    [['--duration', 'soon'], '--duration "soon"'],
    [['--duration', '0s'], '--duration "0s"'],
    [['--concurrency', '2', '--count', '-1'], '--count "-1"'],
    [['--concurrency', '2', '--inspect'], '--inspect'],
    [['--rate', '10', '--interval', '1s'], '--interval'],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(['client', url, ...args])));
  results.forEach((r, i) => assertInputError(r, cases[i]![1]));
});
