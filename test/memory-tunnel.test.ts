/**
 * After the 101 an idle tunnel owns its two sockets and little else: no request or response
 * objects, no http-proxy state, no stage streams when it has no fault and no tap. Measured as the
 * real `wstrace proxy` holds it: live bytes (heapUsed + external after a full GC, through its
 * inspector) per idle tunnel. With the request objects, http-proxy's listeners and the per-tunnel
 * live stage lists it held about 18 KiB; a bare Node `net` pipe proxy holds about 6. (Faulted and
 * tapped tunnels may cost more; their tests are elsewhere.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { startCliServer, stopAll } from './helpers/cli.js';
import { liveBytes } from './helpers/inspector.js';
import { PeerServer, acceptFor, header, openRawUpgraded, readHead } from './helpers/raw-peers.js';

process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, '--inspect=127.0.0.1:0'].filter(Boolean).join(' ');

const WARM = 20;
const N = 400;
const BOUND_KIB = 12;

/** Upstream: answers every upgrade 101 and then stays silent. */
function upstream(): Promise<PeerServer> {
  return new PeerServer((socket) => {
    socket.once('end', () => socket.destroy());
    void readHead(socket, 10_000).then((head) => {
      socket.on('data', () => {});
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(header(head, 'sec-websocket-key')!)}\r\n\r\n`);
    }, () => socket.destroy());
  }).listen();
}

async function idle(port: number, n: number, into: Socket[]): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => openRawUpgraded(port, (s) => into.push(s))));
  }
}

test(`proxy without faults or tap: an idle tunnel holds < ${BOUND_KIB} KiB live`, { timeout: 120_000 }, async (t) => {
  const peer = await upstream();
  t.after(() => peer.close());
  const proxy = await startCliServer(t, ['proxy', '--port', '0', '--log-level', 'warn', '--target', peer.url]);
  const sockets: Socket[] = [];
  t.after(() => sockets.forEach((s) => s.destroy()));
  await idle(proxy.port, WARM, sockets);
  const before = await liveBytes(proxy.stderr);
  await idle(proxy.port, N, sockets);
  const after = await liveBytes(proxy.stderr);
  const perTunnel = (after - before) / N / 1024;
  t.diagnostic(`live bytes per idle tunnel: ${perTunnel.toFixed(1)} KiB`);
  assert.ok(perTunnel < BOUND_KIB, `an idle tunnel holds ${perTunnel.toFixed(1)} KiB live (bound ${BOUND_KIB})`);
  for (const s of sockets) s.destroy();
  await peer.waitAllClosed(10_000);
  await stopAll(proxy);
});
