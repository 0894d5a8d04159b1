import { diagnoseError } from '../diagnose/errors.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import type { Event } from '../report/reporter.js';
import { redirectTarget } from '../net/url.js';
import { dial, PhaseError } from './dial.js';
import { handshake, type HandshakeOutcome } from './handshake.js';
import type { ResolvedClientOptions } from './options.js';

export type Emit = (ev: Event) => void;

/**
 * dial + opening handshake, emitting a `phase` event per phase; `t0` anchors relative times.
 * With `redirects` > 0 a 3xx with a Location is followed (a `redirect` phase each, like curl -L);
 * the outcome is that of the last URL.
 */
export async function connectAndUpgrade(o: ResolvedClientOptions, t0: number, emit: Emit): Promise<HandshakeOutcome> {
  let target = o.target;
  const seen = [target.url.href];
  for (let hop = 0; ; hop++) {
    const outcome = await connectOnce({ ...o, target }, t0, emit);
    const a = outcome.answer;
    const location = !outcome.ok && a && a.status >= 300 && a.status < 400 ? a.headers.location : undefined;
    if (!location || o.redirects === 0) return outcome;
    if (hop >= o.redirects) {
      return { ok: false, answer: a, verdict: verdict('http-error', `more than ${o.redirects} redirects (--location follows at most ${o.redirects})`, seen.map((u, i) => `${i + 1}. ${u}`), 'connect to the final URL directly; a redirect loop is a server misconfiguration') };
    }
    const next = redirectTarget(location, target);
    if (!next.ok) return { ok: false, answer: a, verdict: verdict('http-error', `${a!.status} redirect to ${JSON.stringify(location)}, which wstrace cannot follow`, [next.reason]) };
    emit({ event: 'phase', phase: 'redirect', t: rel(t0), status: a!.status, from: target.url.href, location, to: next.target.url.href });
    if (seen.includes(next.target.url.href)) {
      return { ok: false, answer: a, verdict: verdict('http-error', `redirect loop: ${next.target.url.href} redirects back to itself`, seen.map((u, i) => `${i + 1}. ${u}`)) };
    }
    seen.push(next.target.url.href);
    target = next.target;
  }
}

async function connectOnce(o: ResolvedClientOptions, t0: number, emit: Emit): Promise<HandshakeOutcome> {
  const where = o.target.socketPath ?? o.target.url.host;
  const clientCert = Boolean(o.reach.cert);
  let socket;
  try {
    socket = await dial(o.target, o.timeoutMs, { insecure: o.insecure, ...(o.ca ? { ca: o.ca } : {}) }, (p) =>
      emit({ event: 'phase', phase: p.phase, t: rel(t0), ms: round(p.ms), ...p.detail }),
    o.reach);
  } catch (e) {
    const phase = e instanceof PhaseError ? e.phase : 'connect';
    const cause = e instanceof PhaseError ? e.reason : e;
    const v: Verdict = diagnoseError(phase, cause, where, o.timeoutMs, { clientCert });
    emit({ event: 'phase', phase, t: rel(t0), ok: false, error: v.evidence[0] ?? v.summary });
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
    clientCert,
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
