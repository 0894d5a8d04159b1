import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../constants.js';
import { diagnoseError } from '../diagnose/errors.js';
import type { Verdict } from '../diagnose/catalogue.js';
import { dial, PhaseError } from '../client/dial.js';
import { handshake } from '../client/handshake.js';
import type { WatchOptions } from './types.js';

export type Connected =
  | { ok: true; ws: WebSocket; socket: Socket; ms: number; status: number }
  | { ok: false; ms: number; status: number | undefined; verdict: Verdict };

/**
 * resolve → connect → TLS → upgrade, each phase under --timeout (dial and handshake own their
 * deadlines); `ms` is the dial's phases plus the upgrade's round trip on the wire. The raw
 * socket is returned with the WebSocket: ws does not report why a socket died, and a reset
 * (ECONNRESET) must be told apart from a plain FIN.
 */
export async function connectOnce(o: WatchOptions): Promise<Connected> {
  const c = o.connection;
  const t0 = performance.now();
  let socket: Socket;
  // Each of dial's phases (resolve, proxy, connect, TLS) as it timed them, in socket callbacks.
  let dialMs = 0;
  try {
    socket = (await dial(o.target, o.timeoutMs, { insecure: c.insecure, ...(c.ca ? { ca: c.ca } : {}) }, (p) => void (dialMs += p.ms), c.reach));
  } catch (e) {
    const phase = e instanceof PhaseError ? e.phase : 'connect';
    const cause = e instanceof PhaseError ? e.reason : e;
    return { ok: false, ms: performance.now() - t0, status: undefined, verdict: diagnoseError(phase, cause, o.target.url.host, o.timeoutMs, { clientCert: Boolean(c.reach.cert) }) };
  }
  const outcome = await handshake({
    target: o.target,
    socket,
    timeoutMs: o.timeoutMs,
    headers: c.headers,
    subprotocols: c.subprotocols,
    origin: c.origin,
    maxPayload: DEFAULT_MAX_PAYLOAD_BYTES,
    deflate: c.deflate,
    clientCert: Boolean(c.reach.cert),
  });
  // The path's time to an answer: the dial's phases, then our request's write to the answer's
  // first byte (the wire clock). Not the wall clock around both: our own work between and after
  // them (building the request, ws taking over the socket) came to 1–1.5 ms on loopback.
  const ms = outcome.answer ? dialMs + outcome.answer.ms : performance.now() - t0;
  if (!outcome.ok) return { ok: false, ms, status: outcome.answer?.status, verdict: outcome.verdict };
  return { ok: true, ws: outcome.ws, socket, ms, status: outcome.answer.status };
}
