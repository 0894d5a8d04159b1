import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { diagnoseError } from '../diagnose/errors.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import type { ClientEvent, HttpAnswer, PhaseEvent } from '../events.js';
import type { Phase } from '../diagnose/errors.js';
import { redirectTarget } from '../net/url.js';
import { dial, PhaseError } from './dial.js';
import { handshake, type HandshakeOutcome, type UpgradeAnswer } from './handshake.js';
import { extendedConnect, openSession } from './h2.js';
import type { ResolvedClientOptions } from './options.js';

export type Emit = (ev: ClientEvent) => void;

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

type Dialled = { ok: true; socket: Socket | TLSSocket } | { ok: false; verdict: Verdict };

/**
 * One URL: dial, then the opening handshake. Over HTTP/2 that is the h2 preface/SETTINGS then an
 * extended CONNECT (RFC 8441); `--http auto` does what a browser does: h2 when ALPN picks it and
 * the server advertises extended CONNECT, otherwise a separate HTTP/1.1 connection, reported as a
 * `fallback` event.
 */
async function connectOnce(o: ResolvedClientOptions, t0: number, emit: Emit): Promise<HandshakeOutcome> {
  const where = o.target.socketPath ?? o.target.url.host;
  const clientCert = Boolean(o.reach.cert);
  const tryH2 = o.http === '2' || (o.http === 'auto' && o.target.secure);
  if (o.http === 'auto' && !o.target.secure) {
    emit({ event: 'fallback', t: rel(t0), from: '2', to: '1.1', reason: 'ws:// is cleartext: browsers use HTTP/2 WebSockets only over TLS' });
  }
  let dialled = await dialPhases(o, t0, emit, tryH2 ? ['h2', 'http/1.1'] : ['http/1.1']);
  if (!dialled.ok) return dialled;
  if (tryH2) {
    const socket = dialled.socket;
    const alpn = !o.target.secure ? 'h2c' : socket instanceof TLSSocket ? socket.alpnProtocol || null : null;
    if (alpn !== 'h2' && alpn !== 'h2c') {
      const why = `ALPN: the server chose ${alpn ?? 'no protocol'} from our offer h2, http/1.1`;
      if (o.http === '2') {
        socket.destroy();
        return { ok: false, verdict: verdict('h2-not-offered', `${where} does not offer HTTP/2 (${why})`, [why, 'a browser would open this WebSocket over HTTP/1.1']) };
      }
      emit({ event: 'fallback', t: rel(t0), from: '2', to: '1.1', reason: why });
    } else {
      const since = performance.now();
      const s = await openSession(o.target, socket, o.timeoutMs);
      if (!s.ok) {
        emit(phaseFailed('settings', t0, since, undefined, s.verdict.summary));
        return s;
      }
      emit({ event: 'phase', phase: 'settings', t: rel(t0), ms: round(s.ms), http: alpn, ...s.settings });
      if (s.settings.enableConnectProtocol) {
        const asked = performance.now();
        const outcome = await extendedConnect({ ...o, session: s.session });
        reportAnswer(outcome, t0, asked, emit);
        return outcome;
      }
      s.session.close();
      const why = `${where} speaks HTTP/2 but its SETTINGS do not enable extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3)`;
      if (o.http === '2') {
        s.session.destroy();
        return { ok: false, verdict: verdict('h2-no-extended-connect', why, ['a browser opens this WebSocket on a separate HTTP/1.1 connection instead']) };
      }
      emit({ event: 'fallback', t: rel(t0), from: '2', to: '1.1', reason: `${why}: a new HTTP/1.1 connection, as a browser opens` });
      dialled = await dialPhases(o, t0, emit, ['http/1.1']);
      if (!dialled.ok) return dialled;
    }
  }
  const asked = performance.now();
  const outcome = await handshake({
    target: o.target,
    socket: dialled.socket,
    timeoutMs: o.timeoutMs,
    headers: o.headers,
    subprotocols: o.subprotocols,
    origin: o.origin,
    maxPayload: o.maxPayload,
    deflate: o.deflate,
    clientCert,
  });
  reportAnswer(outcome, t0, asked, emit);
  return outcome;
}

async function dialPhases(o: ResolvedClientOptions, t0: number, emit: Emit, alpn: string[]): Promise<Dialled> {
  // A failed phase began where the last one ended.
  let since = performance.now();
  try {
    const socket = await dial(o.target, o.timeoutMs, { insecure: o.insecure, ...(o.ca ? { ca: o.ca } : {}), alpn }, (p) => {
      since = performance.now();
      emit({ event: 'phase', phase: p.phase, t: rel(t0), ms: round(p.ms), ...p.detail });
    }, o.reach);
    return { ok: true, socket };
  } catch (e) {
    const phase = e instanceof PhaseError ? e.phase : 'connect';
    const cause = e instanceof PhaseError ? e.reason : e;
    const v: Verdict = diagnoseError(phase, cause, o.target.socketPath ?? o.target.url.host, o.timeoutMs, { clientCert: Boolean(o.reach.cert) });
    emit(phaseFailed(phase, t0, since, cause, v.evidence[0] ?? v.summary));
    return { ok: false, verdict: v };
  }
}

function reportAnswer(outcome: HandshakeOutcome, t0: number, asked: number, emit: Emit): void {
  const a: UpgradeAnswer | undefined = outcome.answer;
  if (a) {
    emit({
      event: 'phase', phase: 'upgrade', t: rel(t0), ms: round(a.ms), http: a.httpVersion, status: a.status, statusText: a.statusText,
      endpoint: a.endpoint ?? null, headers: a.rawHeaders,
    });
    const answer = httpAnswer(a);
    if (answer) emit({ event: 'response', t: rel(t0), ...answer });
  } else if (!outcome.ok) {
    emit(phaseFailed('upgrade', t0, asked, undefined, outcome.verdict.summary));
  }
}

/** A phase that failed: what failed, the errno (ECONNREFUSED…) when the cause has one, and how long it tried. */
function phaseFailed(phase: Phase, t0: number, since: number, cause: unknown, message: string): PhaseEvent {
  const ms = round(performance.now() - since);
  const code = cause instanceof Error && 'code' in cause && typeof cause.code === 'string' ? cause.code : null;
  return { event: 'phase', phase, t: rel(t0), ok: false, error: { phase, code, message, ms } };
}

/** The answer when it was not the WebSocket (101, or 200 to an extended CONNECT), else null. */
export function httpAnswer(a: UpgradeAnswer): HttpAnswer | null {
  if (a.status === (a.httpVersion === '2.0' ? 200 : 101)) return null;
  return { status: a.status, statusText: a.statusText, headers: a.rawHeaders, body: a.body ?? '' };
}

export function rel(t0: number): number {
  return round(performance.now() - t0);
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
