/**
 * Measure the network, not wstrace: before the first timed phase, run the exact code the timed
 * phases run (dial, the opening handshake, round trips with and without permessage-deflate, the
 * close handshake) against an echo in this process on 127.0.0.1, so that module loading, zlib's
 * first stream, the HTTP parser and the JIT's first compiles are paid here and not reported as
 * the path's connect, upgrade or RTT. Bounded, once per process, and never fails the caller.
 */
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { WebSocketServer, type RawData } from 'ws';
import { withDeadline } from '../net/deadline.js';
import { parseWsUrl } from '../net/url.js';
import { dial } from './dial.js';
import { closeHandshake, roundTrip } from './exchange.js';
import { handshake } from './handshake.js';
import { bufferOf } from '../protocol/raw-data.js';

/** Several warm-ups' worth on a quiet machine; past it we measure half-cold rather than wait. */
const WARMUP_BUDGET_MS = 750;
const ROUNDS = 3;
/**
 * Small round trips per connection, through the same WireClock the timed echoes use. Measured
 * against one warm `wstrace echo`, 15 one-shot clients each: first echo median 0.181 ms (max
 * 0.325) with one, 0.168 ms (max 0.215) with 20; each adds ~1 ms to start-up (one per connection).
 */
const SMALL_ROUND_TRIPS = 16;

let warmed: Promise<void> | undefined;
let done = false;
let tlsWarmed = false;

/** Resolves when the paths are warm (or the budget ran out); `tls` also builds a TLS context. */
export function warmUp(opts: { tls?: boolean } = {}): Promise<void> {
  warmed ??= start().then(() => void (done = true));
  if (opts.tls && !tlsWarmed) {
    tlsWarmed = true;
    createSecureContext({});
  }
  return warmed;
}

/** Whether a warm-up has run to its end (or its budget) in this process. */
export function isWarm(): boolean {
  return done;
}

function start(): Promise<void> {
  // Past the budget everything it opened is torn down at once: a warm-up must never keep the
  // process (or a loaded machine's event loop) busy after the real work has started.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: true });
  const sockets = new Set<Socket>();
  const stop = () => {
    for (const s of sockets) s.destroy();
    for (const c of wss.clients) c.terminate();
    wss.close();
  };
  return withDeadline(run(wss, sockets), WARMUP_BUDGET_MS, () => new Error('warm-up budget'), stop).catch(() => undefined);
}

async function run(wss: WebSocketServer, sockets: Set<Socket>): Promise<void> {
  inflateRawSync(deflateRawSync(Buffer.from('wstrace warm-up')));
  wss.on('connection', (ws) => ws.on('message', (data: RawData, binary: boolean) => ws.send(bufferOf(data), { binary })));
  try {
    await once(wss, 'listening');
    const target = parseWsUrl(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/warm-up`);
    for (let i = 0; i < ROUNDS; i++) {
      const socket = await dial(target, 1_000, {}, () => {});
      sockets.add(socket);
      const out = await handshake({ target, socket, timeoutMs: 1_000, headers: {}, subprotocols: [], maxPayload: 1 << 20, deflate: i % 2 === 0 });
      if (!out.ok) return;
      const payloads = [Buffer.alloc(2048, i), ...Array.from({ length: SMALL_ROUND_TRIPS }, () => 'wstrace warm-up')];
      for (const payload of payloads) await roundTrip(out.ws, payload, typeof payload !== 'string', 1_000, out.clock);
      await closeHandshake(out.ws, 1_000);
      sockets.delete(socket);
    }
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((resolve) => wss.close(resolve));
  }
}
