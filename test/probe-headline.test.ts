/**
 * probe's headline and its bounded waits:
 * - unanswered-close passes against `wstrace echo`, which drops TCP after its own close timeout,
 *   whether --max-wait equals that timeout or is shorter than it;
 * - a raw peer with two defects (never answers a close, mis-echoes fragmented messages): the
 *   headline is the unbounded wait, the mismatch is listed after it;
 * - a server that stops accepting during the run is reported as that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net, { type Socket } from 'node:net';
import { ndjson, resultOf, runCli, startCliServer, type Ev } from './helpers/cli.js';
import { PeerServer, acceptFor, header, readHead } from './helpers/raw-peers.js';
import { FrameParser } from '../src/protocol/frame-parser.js';
import { encodeFrame } from '../src/protocol/frame-encoder.js';
import { Opcode } from '../src/protocol/frame.js';

const check = (stdout: string, name: string) => ndjson(stdout).find((e) => e.event === 'check' && e.name === name) as (Ev & { evidence: string[] }) | undefined;

function handshake(socket: Socket, head: Awaited<ReturnType<typeof readHead>>): void {
  const key = header(head, 'sec-websocket-key') ?? '';
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
}

for (const maxWait of ['2s', '1s']) {
  test(`unanswered-close passes against wstrace echo (close timeout 2 s) at --max-wait ${maxWait}`, async (t) => {
    const echo = await startCliServer(t, ['echo', '--port', '0', '--timeout', '2s', '--json']);
    const r = await runCli(['probe', echo.url, '--check', 'unanswered-close', '--max-wait', maxWait, '--json'], { timeoutMs: 20_000 });
    await echo.stop();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const c = check(r.stdout, 'unanswered-close')!;
    assert.equal(c.status, 'pass', JSON.stringify(c));
    assert.ok(Number(c.value) >= 1.9 && Number(c.value) < 3, `dropped after ${String(c.value)} s`);
  });
}

test('two defects (close never answered, fragments mis-echoed): the unbounded wait is the headline', async (t) => {
  const peer = await new PeerServer((socket) => {
    readHead(socket).then((head) => {
      handshake(socket, head);
      const parser = new FrameParser({ expectMasked: true });
      let first: Buffer | undefined;
      socket.on('data', (chunk: Buffer) => {
        for (const f of parser.push(chunk)) {
          if (f.opcode === Opcode.PING) socket.write(encodeFrame({ opcode: Opcode.PONG, payload: f.payload }));
          // Close frames are swallowed: no reply, TCP stays open.
          if (f.opcode === Opcode.CLOSE || f.opcode === Opcode.PING || f.opcode === Opcode.PONG) continue;
          // A fragmented message comes back as its first fragment only.
          if (f.opcode !== Opcode.CONTINUATION) first = f.payload;
          if (f.fin) socket.write(encodeFrame({ opcode: f.opcode === Opcode.CONTINUATION ? Opcode.TEXT : f.opcode, payload: first ?? f.payload }));
        }
      });
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  }).listen();
  t.after(() => peer.close());
  const r = await runCli(['probe', `${peer.url}/ws`, '--check', 'echo', '--check', 'close-reply', '--timeout', '1s', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.equal(check(r.stdout, 'echo')?.code, 'echo-mismatch');
  assert.equal(check(r.stdout, 'close-reply')?.code, 'close-unanswered');
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'close-unanswered');
  assert.match(v.summary, /\(check close-reply\)$/);
  assert.match(v.evidence.at(-1)!, /^also failing: echo \(echo-mismatch\)/);
});

test('a server that stops accepting after the first connection: "stopped accepting connections at t=…"', async (t) => {
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    readHead(socket).then((head) => {
      handshake(socket, head);
      server.close();
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = (server.address() as net.AddressInfo).port;
  const r = await runCli(['probe', `ws://127.0.0.1:${port}/ws`, '--timeout', '1s', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'connect-refused');
  assert.match(v.summary, /^the server stopped accepting connections at t=\d+\.\d{3} s: \d+ check\(s\) could not connect after the first connection had worked/);
  assert.doesNotMatch(v.summary, /browser/);
});
