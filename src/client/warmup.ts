/**
 * Measure the network, not wstrace: before the first timed phase, run the exact code the timed
 * phases run (dial, the opening handshake, round trips with and without permessage-deflate, the
 * close handshake) against an echo in this process on 127.0.0.1, so that module loading, zlib's
 * first stream, the HTTP parser and the JIT's first compiles are paid here and not reported as
 * the path's connect, upgrade or RTT. Bounded, once per process, and never fails the caller.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { WebSocketServer, type RawData } from 'ws';
import { withDeadline } from '../net/deadline.js';
import { parseWsUrl } from '../net/url.js';
import { dial } from './dial.js';
import { closeHandshake, roundTrip } from './exchange.js';
import { handshake } from './handshake.js';

/** Longer than a warm-up takes on a loaded 2-core machine; past it we measure cold rather than wait. */
const WARMUP_BUDGET_MS = 1_500;
const ROUNDS = 4;

let warmed: Promise<void> | undefined;

/** Resolves when the paths are warm (or the budget ran out); `tls` also builds a TLS context. */
export function warmUp(opts: { tls?: boolean } = {}): Promise<void> {
  warmed ??= withDeadline(run(), WARMUP_BUDGET_MS, () => new Error('warm-up budget')).catch(() => undefined);
  if (opts.tls) createSecureContext({});
  return warmed;
}

async function run(): Promise<void> {
  inflateRawSync(deflateRawSync(Buffer.from('wstrace warm-up')));
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  wss.on('connection', (ws) => ws.on('message', (data: RawData, binary: boolean) => ws.send(data as Buffer, { binary })));
  try {
    await once(wss, 'listening');
    const target = parseWsUrl(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/warm-up`);
    for (let i = 0; i < ROUNDS; i++) {
      const socket = await dial(target, 1_000, {}, () => {});
      const out = await handshake({ target, socket, timeoutMs: 1_000, headers: {}, subprotocols: [], maxPayload: 1 << 20, deflate: i % 2 === 0 });
      if (!out.ok) return;
      for (const payload of ['wstrace warm-up', Buffer.alloc(2048, i)]) await roundTrip(out.ws, payload, typeof payload !== 'string', 1_000);
      await closeHandshake(out.ws, 1_000);
    }
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
}
