/**
 * Servers that answer wrongly on purpose (raw TCP, no WebSocket library), and the verdict the
 * real `wstrace client` must reach, at once rather than after its deadlines: a non-101 whose body
 * stalls is an http-error with the partial body; a close or a bad frame in the same read as the
 * 101 is peer-closed / protocol-error; a 101 without Upgrade/Connection is a bad-response naming
 * them; a hop out of file descriptors is not "check that the upstream is running".
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { resultOf, runCli } from './helpers/cli.js';
import { PeerServer, acceptFor, closePayload, frame, header, readHead } from './helpers/raw-peers.js';
import { diagnoseResponse } from '../src/diagnose/response.js';

const OK_101 = (key: string) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`;

/** A server that reads the upgrade and answers with `answer(key)`, then keeps the socket open. */
async function answering(answer: (key: string) => string | Buffer): Promise<PeerServer> {
  return new PeerServer((socket: Socket) => {
    socket.once('end', () => socket.destroy());
    void readHead(socket, 10_000).then((head) => socket.write(answer(header(head, 'sec-websocket-key') ?? '')), () => socket.destroy());
  }).listen();
}

/** Runs the client with --timeout 2s; returns its verdict. */
async function verdictOf(server: PeerServer, extra: string[] = []): Promise<{ code: string; summary: string; evidence: string[] }> {
  const r = await runCli(['client', `${server.url}/`, '--json', '--timeout', '2s', ...extra], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, `exit code; stderr: ${r.stderr}`);
  const result = resultOf(r.stdout);
  assert.ok(result.verdict, r.stdout);
  return result.verdict;
}

describe('hostile servers get the right verdict', { concurrency: 4 }, () => {
  it('a 404 whose body stalls: http-error with the partial body, not handshake-timeout', async (t) => {
    const server = await answering(() => 'HTTP/1.1 404 Not Found\r\nContent-Length: 100\r\n\r\n{"error":"no such');
    t.after(() => server.close());
    const v = await verdictOf(server);
    assert.equal(v.code, 'http-error', v.summary);
    assert.match(v.summary, /404/);
    assert.ok(v.evidence.some((e) => e.includes('{"error":"no such')), v.evidence.join('\n'));
    assert.ok(v.evidence.some((e) => /body stalled/.test(e)), v.evidence.join('\n'));
  });

  for (const expect of ['echo', 'any']) {
    it(`a close frame in the same read as the 101 (socket kept open), --expect ${expect}: peer-closed at once`, async (t) => {
      const server = await answering((key) => Buffer.concat([Buffer.from(OK_101(key)), frame(0x8, closePayload(1000, 'bye'), false)]));
      t.after(() => server.close());
      const v = await verdictOf(server, ['--expect', expect]);
      assert.equal(v.code, 'peer-closed', `${v.summary}\n${v.evidence.join('\n')}`);
      assert.match(v.summary, /1000/);
    });
  }

  it('a reserved-opcode frame in the same read as the 101: protocol-error', async (t) => {
    const server = await answering((key) => Buffer.concat([Buffer.from(OK_101(key)), Buffer.from([0x83, 0x00])]));
    t.after(() => server.close());
    const v = await verdictOf(server, ['--expect', 'echo']);
    assert.equal(v.code, 'protocol-error', v.summary);
  });

  it('a 101 without Upgrade and Connection: bad-response naming both', async (t) => {
    const server = await answering((key) => `HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
    t.after(() => server.close());
    const v = await verdictOf(server);
    assert.equal(v.code, 'bad-response', v.summary);
    assert.match(v.summary, /Upgrade: websocket and Connection: Upgrade/);
    assert.doesNotMatch(v.summary, /instead of 101/);
  });

  it('a 502 from a wstrace hop that hit EMFILE says so, not "check that the upstream is running"', () => {
    const v = diagnoseResponse({
      status: 502, statusText: 'Bad Gateway', headers: { 'x-wstrace-hop': 'edge' },
      body: JSON.stringify({ error: 'Bad Gateway', hop: 'edge', message: 'upstream http://127.0.0.1:9000: connect EMFILE 127.0.0.1:9000 - Local (undefined:undefined)', upstream: 'http://127.0.0.1:9000', failure: 'no-response', errno: 'EMFILE' }),
    });
    assert.match(v.summary, /file descriptors/);
    assert.match(v.next, /ulimit -n/);
    assert.doesNotMatch(v.next, /running/);
  });
});
