import { displayUrl } from '../net/url.js';

export type { ClientResult } from '../events.js';
import type { WebSocket } from 'ws';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { diagnoseClose } from '../diagnose/close.js';
import { identify } from '../diagnose/identify.js';
import type { ClientEvent, ClientResult, Reporter } from '../events.js';
import { connectAndUpgrade, httpAnswer, rel, round, type Emit } from './connect.js';
import { closeHandshake, makePayload, pause, requestInspect, roundTrip } from './exchange.js';
import { confirmLifetime } from './lifetime.js';
import { warmUp } from './warmup.js';
import { preview } from './liveness.js';
import { downgradeVerdict, hopTrace, refineByTrace } from './trace.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './options.js';
import type { HandshakeOutcome } from './handshake.js';
import { converseAny, noEcho, type CloseContext, type Conversation } from './any.js';
import { redactSecrets, type HandshakeReport } from '../endpoint/inspect.js';

/**
 * The client's whole story: resolve → connect → tls → upgrade → open → echoes → close, every
 * phase under its own deadline. Emits `phase`/`response`/`inspect`/`echo` events and ends with
 * exactly one `result`. Never throws for network trouble: that is what the verdict is for.
 */
export async function runClient(opts: ClientOptions, reporter: Reporter<ClientEvent>): Promise<ClientResult> {
  const o = resolveClientOptions(opts);
  await warmUp({ tls: o.target.secure });
  const t0 = performance.now();
  const emit: Emit = (ev) => reporter.emit(ev);
  const result: ClientResult = {
    ok: false, url: displayUrl(o.target), status: null, http: null, endpoint: null, expect: null, echoes: { sent: 0, matched: 0 }, messages: { sent: 0, received: 0 },
    pongMs: null, rttMs: null, closeCode: null, report: null, trace: null, response: null, upgradeMs: null, totalMs: 0,
  };
  const outcome = await connectAndUpgrade(o, t0, emit);
  result.status = outcome.answer?.status ?? null;
  result.endpoint = outcome.answer?.endpoint ?? null;
  result.response = outcome.answer ? httpAnswer(outcome.answer) : null;
  result.upgradeMs = outcome.answer ? round(outcome.answer.ms) : null;
  if (outcome.ok) result.http = outcome.answer.httpVersion;
  const opening = await judgeOpening(o, outcome, t0, emit, result);
  if (!outcome.ok) {
    result.verdict = opening;
  } else if (opening) {
    result.verdict = opening;
    const c = await closeHandshake(outcome.ws, o.timeoutMs);
    result.closeCode = c.code;
    emit({ event: 'phase', phase: 'close', t: rel(t0), ms: round(c.ms), code: c.code, reason: c.reason, answered: c.answered });
  } else {
    const ws = outcome.ws;
    result.expect = o.expect ?? (outcome.answer.endpoint ? 'echo' : 'any');
    // Over HTTP/2 the WebSocket opens with `:status 200` (RFC 8441), not a 101.
    const answer = outcome.answer.httpVersion === '2.0' ? 'the :status 200' : 'the 101';
    const why = o.expect ? '--expect' : outcome.answer.endpoint ? `${answer} carries X-Wstrace-Endpoint` : `no X-Wstrace-Endpoint on ${answer}: not an echo we know`;
    emit({ event: 'phase', phase: 'open', t: rel(t0), subprotocol: ws.protocol || null, extensions: ws.extensions || null, expect: result.expect, expectWhy: why });
    try {
      const openedAt = performance.now();
      result.verdict = await converse(ws, o, t0, openedAt, emit, result, outcome);
      if (result.verdict?.code === 'connection-dropped' && result.echoes.matched >= 2) {
        const ageMs = performance.now() - openedAt;
        emit({ event: 'confirm', t: rel(t0), check: 'max-lifetime', note: `reconnecting to see whether a connection dies again at ${(ageMs / 1000).toFixed(1)} s of age` });
        result.verdict = await confirmLifetime(o, ageMs, result.verdict);
      }
    } finally {
      if (result.verdict?.code === 'half-open') {
        // Nothing comes back on this connection: a close frame would only wait out another deadline.
        ws.terminate();
        emit({ event: 'phase', phase: 'close', t: rel(t0), ms: 0, code: 1006, reason: 'not attempted: the connection is half-open; socket destroyed', answered: false, skipped: true });
      } else if (ws.readyState !== ws.CLOSED) {
        const c = await closeHandshake(ws, o.timeoutMs);
        result.closeCode = c.code;
        emit({ event: 'phase', phase: 'close', t: rel(t0), ms: round(c.ms), code: c.code, reason: c.reason, answered: c.answered });
        if (!c.answered && !result.verdict) {
          result.verdict = verdict('close-unanswered', `no close frame came back within ${o.timeoutMs} ms of ours`, [c.reason, 'the socket was destroyed at the deadline']);
        }
      }
    }
  }
  result.ok = !result.verdict;
  result.totalMs = rel(t0);
  const { report: _shown, ...fields } = result;
  emit({ event: 'result', ...fields });
  return result;
}

/**
 * What the opening handshake tells before any message: the hop trace (emitted when wstrace hops
 * or the endpoint reported one) and, when the upgrade failed or a hop downgraded it, the verdict,
 * refined (a 403 retried without Origin, the trace's first change named). Interactive, pipe and
 * -x sessions judge their opening with this too.
 */
export async function judgeOpening(o: ResolvedClientOptions, outcome: HandshakeOutcome, t0: number, emit: Emit, result: ClientResult): Promise<Verdict | undefined> {
  const trace = outcome.answer ? hopTrace(outcome.answer) : undefined;
  if (trace && trace.points.length > 1) {
    result.trace = trace;
    emit({ event: 'trace', t: rel(t0), points: trace.points, changes: trace.changes });
  }
  const downgrade = trace ? downgradeVerdict(trace) : undefined;
  if (outcome.ok) return downgrade;
  if (outcome.verdict.code === 'version-downgrade') return outcome.verdict;
  return downgrade ?? refineByTrace(await confirm(o, outcome.verdict), result.status, trace);
}

/** Open connection: optional inspect, then the echo round trips. Returns a verdict on failure. */
async function converse(
  ws: WebSocket, o: ResolvedClientOptions, t0: number, openedAt: number, emit: Emit, result: ClientResult, outcome: HandshakeOutcome & { ok: true },
): Promise<Verdict | undefined> {
  let lastTraffic = openedAt;
  const ctx: CloseContext = {
    marker: outcome.answer.endpoint, extensions: ws.extensions, echoes: () => result.echoes.matched, sentBytes: 0,
    software: identify({ status: 101, headers: outcome.answer.headers, body: '' }),
    ageMs: () => performance.now() - openedAt,
    idleMs: () => performance.now() - lastTraffic,
  };
  const touch = () => {
    lastTraffic = performance.now();
  };
  const watch = outcome.watch;
  // A close that happened while nobody waited (during a pause, or from bytes that came with the
  // 101) is the peer's answer: report it with the protocol error that caused it, if any.
  const closedMeanwhile = (during: string): Verdict | undefined => {
    if (!watch.close) return undefined;
    result.closeCode = watch.close.code;
    emit({ event: 'phase', phase: 'close', t: rel(t0), by: 'peer', code: watch.close.code, reason: watch.close.reason });
    return diagnoseClose({ ...ctx, ...watch.close, errorCode: watch.error?.code, during });
  };
  if (o.inspect) {
    if (!outcome.answer.endpoint) {
      emit({ event: 'inspect', t: rel(t0), available: false, note: 'not a wstrace endpoint (no X-Wstrace-Endpoint on the 101): no handshake report' });
    } else {
      const r = await requestInspect(ws, o.timeoutMs);
      if (r.kind === 'value') {
        // An endpoint started with --show-secrets sends credentials in full: mask them here too.
        const report = o.showSecrets ? r.value : maskReport(r.value);
        result.report = report;
        emit({ event: 'inspect', t: rel(t0), available: true, report });
      } else if (r.kind === 'closed') {
        result.closeCode = r.code;
        return diagnoseClose({ ...ctx, code: r.code, reason: r.reason, errorCode: watch.error?.code, during: 'inspect' });
      } else {
        emit({ event: 'inspect', t: rel(t0), available: false, note: r.kind === 'timeout' ? `no answer within ${o.timeoutMs} ms` : r.error.message });
        // A wstrace endpoint always answers inspect: silence now means the path is dead, and
        // waiting another deadline per echo would only delay saying so.
        if (r.kind === 'timeout') {
          return verdict('half-open', `the wstrace endpoint answered the upgrade but not the inspect request within ${o.timeoutMs} ms`, [
            'the connection looks open but nothing comes back', 'a hop may be black-holing the flow after the 101',
          ]);
        }
      }
    }
  }
  if (result.expect === 'none') return undefined;
  const talk: Conversation = { ws, o, t0, emit, result, ctx, watch, touch, closedMeanwhile };
  if (result.expect === 'any') return converseAny(talk);
  const rtts: number[] = [];
  for (let seq = 1; seq <= o.count; seq++) {
    if (seq > 1 && o.intervalMs > 0) await pause(ws, o.intervalMs);
    const gone = closedMeanwhile(seq === 1 ? 'the first echo' : `the pause before echo ${seq}`);
    if (gone) return gone;
    const payload = o.size !== undefined ? makePayload(o.size, seq) : Buffer.from(o.message);
    ctx.sentBytes = payload.length;
    result.echoes.sent++;
    result.messages.sent++;
    lastTraffic = performance.now();
    const r = await roundTrip(ws, o.binary ? payload : payload.toString('utf8'), o.binary, o.timeoutMs, outcome.clock);
    if (r.kind === 'value') {
      result.messages.received++;
      const ok = r.value.data.equals(payload) && r.value.binary === o.binary;
      emit({ event: 'echo', t: rel(t0), seq, count: o.count, bytes: payload.length, binary: o.binary, ms: round(r.ms), ok });
      if (!ok) return mismatch(seq, payload, r.value, o.binary, outcome.answer.endpoint);
      result.echoes.matched++;
      lastTraffic = performance.now();
      rtts.push(r.ms);
      result.rttMs = { min: round(Math.min(...rtts)), avg: round(rtts.reduce((a, b) => a + b, 0) / rtts.length), max: round(Math.max(...rtts)) };
      continue;
    }
    emit({ event: 'echo', t: rel(t0), seq, count: o.count, bytes: payload.length, binary: o.binary, ms: round(r.ms), ok: false, outcome: r.kind });
    if (r.kind === 'closed') {
      result.closeCode = r.code;
      emit({ event: 'phase', phase: 'close', t: rel(t0), by: 'peer', code: r.code, reason: r.reason });
      return diagnoseClose({ ...ctx, code: r.code, reason: r.reason, errorCode: watch.error?.code, during: `echo ${seq}` });
    }
    if (r.kind === 'error') return closedMeanwhile(`echo ${seq}`) ?? diagnoseClose({ ...ctx, code: 1006, reason: r.error.message, errorCode: r.error.code ?? watch.error?.code, during: `echo ${seq}` });
    return noEcho(talk, `echo ${seq} (${payload.length} B) was sent; nothing came back in ${(r.ms / 1000).toFixed(3)} s`);
  }
  return undefined;
}

/** Credentials in the report's headers, masked (the endpoint masks them unless --show-secrets). */
function maskReport(report: HandshakeReport): HandshakeReport {
  return { ...report, headers: redactSecrets(report.headers) };
}

/**
 * A reply that differs from what was sent. Only a wstrace endpoint is known to echo: there a
 * difference means something in the path altered the payload. Anywhere else (--expect echo
 * against an app) the reply is the app's own answer, and we say exactly that.
 */
function mismatch(seq: number, sent: Buffer, got: { data: Buffer; binary: boolean }, binary: boolean, marker: string | undefined): Verdict {
  const both = [
    `sent (${sent.length} B ${binary ? 'binary' : 'text'}): ${show(sent, binary)}`,
    `got  (${got.data.length} B ${got.binary ? 'binary' : 'text'}): ${show(got.data, got.binary)}`,
    describeMismatch(sent, got.data, binary, got.binary),
  ];
  if (marker) return verdict('echo-mismatch', `echo ${seq} differs from what was sent to wstrace endpoint "${marker}"`, both);
  return verdict('echo-mismatch', `echo ${seq} differs from what was sent: the origin is not an echo server (no X-Wstrace-Endpoint on the 101)`, [
    ...both, 'the reply is the application\'s own answer, not a sign that a hop altered the payload',
  ], 'talk to it with --expect any (print what it sends, prove liveness by ping/pong); to test the path for alteration, put `wstrace echo` behind the same hops');
}

function show(data: Buffer, binary: boolean): string {
  const p = preview({ data, binary });
  return p.text !== undefined ? JSON.stringify(p.text) : p.hex!;
}

function describeMismatch(sent: Buffer, got: Buffer, sentBinary: boolean, gotBinary: boolean): string {
  if (sentBinary !== gotBinary) return `sent a ${sentBinary ? 'binary' : 'text'} message, got a ${gotBinary ? 'binary' : 'text'} one`;
  if (sent.length !== got.length) return `sent ${sent.length} B, got ${got.length} B back`;
  let i = 0;
  while (i < sent.length && sent[i] === got[i]) i++;
  return `first difference at byte ${i} of ${sent.length}: sent 0x${sent[i]?.toString(16)}, got 0x${got[i]?.toString(16)}`;
}

/**
 * A 403 to an upgrade that carried an Origin is only called origin-rejected when the same
 * upgrade without Origin is accepted; otherwise the hop refuses us for another reason.
 */
async function confirm(o: ResolvedClientOptions, v: Verdict): Promise<Verdict> {
  if (v.code !== 'origin-rejected') return v;
  const retry: HandshakeOutcome = await connectAndUpgrade({ ...o, origin: undefined }, performance.now(), () => {});
  if (retry.ok) {
    await closeHandshake(retry.ws, o.timeoutMs);
    return { ...v, evidence: [...v.evidence, 'the same upgrade without Origin was accepted (101): the Origin check refuses it'] };
  }
  return verdict('http-error', `403 Forbidden, with or without Origin`, [...v.evidence, `without Origin: ${retry.verdict.summary}`],
    'the hop refuses this client for another reason (auth, IP allow-list): check its logs');
}
