import { diagnoseError } from '../diagnose/errors.js';
import type { Verdict } from '../diagnose/catalogue.js';
import type { Event } from '../report/reporter.js';
import { dial, PhaseError } from './dial.js';
import { handshake, type HandshakeOutcome } from './handshake.js';
import type { ResolvedClientOptions } from './options.js';

export type Emit = (ev: Event) => void;

/** dial + opening handshake, emitting a `phase` event per phase; `t0` anchors relative times. */
export async function connectAndUpgrade(o: ResolvedClientOptions, t0: number, emit: Emit): Promise<HandshakeOutcome> {
  const where = o.target.url.host;
  let socket;
  try {
    socket = await dial(o.target, o.timeoutMs, { insecure: o.insecure, ca: o.ca }, (p) =>
      emit({ event: 'phase', phase: p.phase, t: rel(t0), ms: round(p.ms), ...p.detail }),
    );
  } catch (e) {
    const phase = e instanceof PhaseError ? e.phase : 'connect';
    const cause = e instanceof PhaseError ? e.reason : e;
    const v: Verdict = diagnoseError(phase, cause, where, o.timeoutMs);
    emit({ event: 'phase', phase, t: rel(t0), ok: false, error: v.evidence[0] });
    return { ok: false, verdict: v };
  }
  const outcome = await handshake({
    target: o.target,
    socket,
    timeoutMs: o.timeoutMs,
    headers: o.headers,
    subprotocols: o.subprotocols,
    origin: o.origin,
    maxPayload: o.maxPayload,
    deflate: o.deflate,
  });
  const a = outcome.answer;
  if (a) {
    emit({
      event: 'phase', phase: 'upgrade', t: rel(t0), ms: round(a.ms), status: a.status, statusText: a.statusText,
      endpoint: a.endpoint ?? null, headers: a.rawHeaders,
    });
    if (a.status !== 101) emit({ event: 'response', t: rel(t0), status: a.status, statusText: a.statusText, headers: a.rawHeaders, body: a.body ?? '' });
  } else if (!outcome.ok) {
    emit({ event: 'phase', phase: 'upgrade', t: rel(t0), ok: false, error: outcome.verdict.summary });
  }
  return outcome;
}

export function rel(t0: number): number {
  return round(performance.now() - t0);
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
