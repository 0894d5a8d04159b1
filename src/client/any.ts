import type { WebSocket } from 'ws';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { diagnoseClose, type CloseSeen } from '../diagnose/close.js';
import { rel, round, type Emit } from './connect.js';
import { makePayload, pause } from './exchange.js';
import type { Watch } from './handshake.js';
import { listenAll, pingPong, preview } from './liveness.js';
import type { ResolvedClientOptions } from './options.js';
import type { ClientResult } from '../events.js';

export type CloseContext = Omit<CloseSeen, 'code' | 'reason' | 'during' | 'errorCode'>;

/** One open connection's conversation state, shared by the echo and the `any` modes. */
export interface Conversation {
  ws: WebSocket;
  o: ResolvedClientOptions;
  t0: number;
  emit: Emit;
  result: ClientResult;
  ctx: CloseContext;
  watch: Watch;
  /** Marks traffic (for the idle age a drop is judged by). */
  touch(): void;
  /** The peer's close that happened while nobody waited, as a verdict. */
  closedMeanwhile(during: string): Verdict | undefined;
}

/**
 * `--expect any`: the far end is an application (it greets, streams, answers in its own words or
 * stays silent). Send the messages, print every message that arrives, prove the connection alive
 * with a ping/pong, then listen `--wait` for more. Nothing is compared; the only failures are
 * the connection's: a close, an error, or a ping never answered on an open connection.
 */
export async function converseAny(c: Conversation): Promise<Verdict | undefined> {
  const { ws, o, t0, emit, result } = c;
  const detach = listenAll(ws, (m) => {
    c.touch();
    const seq = ++result.messages.received;
    emit({ event: 'message', t: rel(t0), seq, bytes: m.data.length, binary: m.binary, ...preview(m) });
  });
  try {
    for (let seq = 1; seq <= o.count; seq++) {
      if (seq > 1 && o.intervalMs > 0) await pause(ws, o.intervalMs);
      const gone = c.closedMeanwhile(seq === 1 ? 'the first message' : `the pause before message ${seq}`);
      if (gone) return gone;
      const payload = o.size !== undefined ? makePayload(o.size, seq) : Buffer.from(o.message);
      c.ctx.sentBytes = payload.length;
      ws.send(o.binary ? payload : payload.toString('utf8'), { binary: o.binary });
      c.touch();
      result.messages.sent++;
      emit({ event: 'send', t: rel(t0), seq, count: o.count, bytes: payload.length, binary: o.binary });
    }
    const alive = await liveness(c, 'the ping after our messages');
    if (alive) return alive;
    if (o.waitMs > 0) {
      await pause(ws, o.waitMs);
      return c.closedMeanwhile(`the --wait of ${o.waitMs} ms`);
    }
    return undefined;
  } finally {
    detach();
  }
}

/**
 * A reply that never came (expect echo): ping before judging. A pong proves the connection alive,
 * so the far end simply did not echo; only an unanswered ping on an open connection is half-open.
 */
export async function noEcho(c: Conversation, what: string): Promise<Verdict | undefined> {
  const dead = await liveness(c, 'the ping after a missing echo');
  if (dead) return dead;
  return verdict('echo-mismatch', `no echo within ${c.o.timeoutMs} ms, yet the connection is alive (pong in ${c.result.pongMs} ms): the far end does not echo`, [
    what,
    c.ctx.marker ? `the 101 came from wstrace endpoint "${c.ctx.marker}", which echoes every message: a hop swallowed it` : 'no X-Wstrace-Endpoint on the 101: the origin is not an echo server',
  ], c.ctx.marker ? 'a hop drops messages but passes pings: bypass hops one at a time (`wstrace bisect`)' : 'talk to it with --expect any');
}

/** Ping, wait for the pong; a verdict when the connection is gone or silent. */
async function liveness(c: Conversation, during: string): Promise<Verdict | undefined> {
  const p = await pingPong(c.ws, c.o.timeoutMs);
  if (p.kind === 'value') {
    c.touch();
    c.result.pongMs = round(p.ms);
    c.emit({ event: 'pong', t: rel(c.t0), ms: round(p.ms) });
    return undefined;
  }
  c.emit({ event: 'pong', t: rel(c.t0), ms: round(p.ms), ok: false, outcome: p.kind });
  if (p.kind === 'closed') {
    c.result.closeCode = p.code;
    c.emit({ event: 'phase', phase: 'close', t: rel(c.t0), by: 'peer', code: p.code, reason: p.reason });
    return diagnoseClose({ ...c.ctx, code: p.code, reason: p.reason, errorCode: c.watch.error?.code, during });
  }
  if (p.kind === 'error') return c.closedMeanwhile(during) ?? diagnoseClose({ ...c.ctx, code: 1006, reason: p.error.message, errorCode: p.error.code ?? c.watch.error?.code, during });
  return verdict('half-open', `no pong within ${c.o.timeoutMs} ms and no close: the connection looks open but nothing comes back`, [
    `ping sent; nothing came back in ${(p.ms / 1000).toFixed(3)} s, and TCP never closed`,
    'RFC 6455 §5.5.2 obliges every peer to answer a ping with a pong, whatever its application does',
  ]);
}
