/**
 * The everyday client: one connection that sends what the user types (interactive), what comes
 * on stdin (pipe) or what `-x` gives, and reports every message that arrives. Every wait has a
 * bound: replies after the input ends (`--timeout`, then `--wait`), each ping (`--timeout`), the
 * close handshake (`--timeout`, then the socket is destroyed).
 */
import type { RawData, WebSocket } from 'ws';
import { INSPECT_MESSAGE } from '../constants.js';
import { verdict } from '../diagnose/catalogue.js';
import { diagnoseClose } from '../diagnose/close.js';
import { isInspectAnswer, redactSecrets, type HandshakeReport } from '../endpoint/inspect.js';
import { displayUrl } from '../net/url.js';
import type { ClientResult, SessionEvent } from '../events.js';
import { connectAndUpgrade, httpAnswer, rel, round } from './connect.js';
import { closeHandshake, pause } from './exchange.js';
import { pingPong } from './liveness.js';
import { resolveClientOptions, type ClientOptions } from './options.js';
import type { Action } from './slash.js';
import { judgeOpening } from './run.js';
import { warmUp } from './warmup.js';

export interface SessionOptions extends ClientOptions {
  /** Report the peer's pings and the pongs to our keepalive pings. */
  showPingPong?: boolean;
  /** Ping this often (0: never); a ping unanswered within the timeout ends the session as half-open. */
  pingIntervalMs?: number;
  /** At the end of input: `replies` waits (≤ timeout) until as many messages came back as were sent, then --wait; `close` closes at once. */
  atEof?: 'replies' | 'close';
  /**
   * Warm the client's code before the first timed phase (see warmup.ts): ~60 ms of start-up,
   * worth it when the timeline is shown (interactive, -v, --json), not for a quiet pipe.
   */
  warmUp?: boolean;
}

/** Where the actions come from: the prompt, stdin lines or chunks, or the `-x` list. */
export interface ActionSource {
  /** The next action, or undefined at the end of input (EOF, Ctrl-D). */
  next(): Promise<Action | undefined>;
  /** Stop reading: the session ended first. */
  close(): void;
}

/** A session's result has the client's shape: what the upgrade got, messages each way, the close. */
export type SessionResult = ClientResult;

const PEER_CLOSED = Symbol('peer closed');

export async function runSession(opts: SessionOptions, input: ActionSource, emit: (ev: SessionEvent) => void): Promise<SessionResult> {
  const o = resolveClientOptions(opts);
  if (opts.warmUp) await warmUp({ tls: o.target.secure });
  const t0 = performance.now();
  const result: SessionResult = {
    ok: false, url: displayUrl(o.target), status: null, http: null, endpoint: null, expect: null, echoes: { sent: 0, matched: 0 },
    messages: { sent: 0, received: 0 }, pongMs: null, rttMs: null, closeCode: null, report: null, trace: null, response: null, upgradeMs: null, totalMs: 0,
  };
  const finish = (): SessionResult => {
    input.close();
    result.ok = !result.verdict;
    result.totalMs = rel(t0);
    const { report: _inEvent, ...fields } = result;
    emit({ event: 'result', ...fields });
    return result;
  };
  const outcome = await connectAndUpgrade(o, t0, emit);
  result.status = outcome.answer?.status ?? null;
  result.endpoint = outcome.answer?.endpoint ?? null;
  result.response = outcome.answer ? httpAnswer(outcome.answer) : null;
  result.upgradeMs = outcome.answer ? round(outcome.answer.ms) : null;
  const opening = await judgeOpening(o, outcome, t0, emit, result);
  if (!outcome.ok) {
    result.verdict = opening;
    return finish();
  }
  const { ws, watch } = outcome;
  result.http = outcome.answer.httpVersion;
  if (opening) {
    // A hop downgraded the handshake: that is the finding; the session would only hide it.
    result.verdict = opening;
    const c = await closeHandshake(ws, o.timeoutMs);
    result.closeCode = c.code;
    emit({ event: 'phase', phase: 'close', t: rel(t0), ms: round(c.ms), code: c.code, reason: c.reason, answered: c.answered });
    return finish();
  }
  const marker = outcome.answer.endpoint;
  const openedAt = performance.now();
  let lastTraffic = openedAt;
  emit({ event: 'phase', phase: 'open', t: rel(t0), subprotocol: ws.protocol || null, extensions: ws.extensions || null });

  let inspectPending = false;
  const onMessage = (raw: RawData, binary: boolean) => {
    const data = toBuffer(raw);
    lastTraffic = performance.now();
    // The answer to /inspect is the endpoint's report, not a message of the conversation.
    if (inspectPending && !binary) {
      inspectPending = false;
      const report = parseInspect(data.toString('utf8'));
      if (report) {
        result.report = o.showSecrets ? report : { ...report, headers: redactSecrets(report.headers) };
        emit({ event: 'inspect', t: rel(t0), available: true, report: result.report });
        return;
      }
    }
    const seq = ++result.messages.received;
    emit({ event: 'message', t: rel(t0), seq, bytes: data.length, binary, ...(binary ? { hex: data.toString('hex') } : { text: data.toString('utf8') }) });
  };
  const onPeerPing = () => {
    if (opts.showPingPong) emit({ event: 'ping', t: rel(t0), by: 'peer' });
  };
  ws.on('message', onMessage);
  ws.on('ping', onPeerPing);
  ws.on('error', () => {});

  // The peer's close (or a drop) ends the session whatever we are waiting on.
  let peerClose: { code: number; reason: string } | undefined = watch.close;
  let weClosed = false;
  const peerClosed = new Promise<typeof PEER_CLOSED>((resolve) => {
    if (peerClose || ws.readyState === ws.CLOSED) return resolve(PEER_CLOSED);
    ws.once('close', (code: number, reason: Buffer) => {
      if (!weClosed) peerClose = { code, reason: reason.toString() };
      resolve(PEER_CLOSED);
    });
  });

  /** `asked`: the user's /ping (always shown); otherwise a keepalive (shown with -P). */
  const ping = async (asked: boolean): Promise<boolean> => {
    const p = await pingPong(ws, o.timeoutMs);
    if (p.kind === 'value') {
      lastTraffic = performance.now();
      result.pongMs = round(p.ms);
      if (asked || opts.showPingPong) emit({ event: 'pong', t: rel(t0), ms: round(p.ms), asked });
      return true;
    }
    if (p.kind === 'timeout') {
      emit({ event: 'pong', t: rel(t0), ms: round(p.ms), ok: false, outcome: 'timeout', asked });
      result.verdict = verdict('half-open', `no pong within ${o.timeoutMs} ms and no close: the connection looks open but nothing comes back`, [
        'RFC 6455 §5.5.2 obliges every peer to answer a ping with a pong, whatever its application does',
      ]);
      return false;
    }
    return true; // closed or error: the close path reports it
  };

  let halfOpen: () => void = () => {};
  const stalled = new Promise<typeof PEER_CLOSED>((resolve) => (halfOpen = () => resolve(PEER_CLOSED)));
  let keepalive: NodeJS.Timeout | undefined;
  if (opts.pingIntervalMs) {
    let busy = false;
    keepalive = setInterval(() => {
      if (busy) return;
      busy = true;
      void ping(false).then((alive) => {
        busy = false;
        if (!alive) halfOpen();
      });
    }, opts.pingIntervalMs);
  }

  let closeWith: { code: number; reason: string } | undefined = { code: 1000, reason: '' };
  try {
    for (;;) {
      const a = await Promise.race([input.next(), peerClosed, stalled]);
      if (a === PEER_CLOSED) {
        closeWith = undefined;
        break;
      }
      if (a === undefined) {
        if ((opts.atEof ?? 'replies') === 'replies') await waitForReplies(ws, result.messages, o.timeoutMs);
        if (o.waitMs > 0) await pause(ws, o.waitMs);
        break;
      }
      if (a.kind === 'quit') break;
      if (a.kind === 'close') {
        closeWith = { code: a.code, reason: a.reason };
        break;
      }
      if (a.kind === 'ping') {
        if (!(await ping(true))) break;
      } else if (a.kind === 'inspect') {
        if (!marker) emit({ event: 'inspect', t: rel(t0), available: false, note: 'not a wstrace endpoint (no X-Wstrace-Endpoint on the 101): no handshake report' });
        else {
          inspectPending = true;
          ws.send(INSPECT_MESSAGE);
        }
      } else if (a.kind === 'send') {
        if (ws.readyState !== ws.OPEN) continue;
        ws.send(a.data, { binary: a.binary });
        lastTraffic = performance.now();
        const seq = ++result.messages.sent;
        emit({ event: 'send', t: rel(t0), seq, bytes: a.data.length, binary: a.binary, ...(a.binary ? { hex: a.data.toString('hex') } : { text: a.data.toString('utf8') }) });
      }
    }
  } finally {
    clearInterval(keepalive);
    input.close();
  }

  if (result.verdict?.code === 'half-open') {
    ws.terminate();
    emit({ event: 'phase', phase: 'close', t: rel(t0), ms: 0, code: 1006, reason: 'not attempted: the connection is half-open; socket destroyed', answered: false, skipped: true });
    result.closeCode = 1006;
  } else if (peerClose || ws.readyState === ws.CLOSED || !closeWith) {
    const c = peerClose ?? { code: 1006, reason: 'the connection closed without a close frame' };
    result.closeCode = c.code;
    emit({ event: 'phase', phase: 'close', t: rel(t0), by: 'peer', code: c.code, reason: c.reason });
    if (c.code !== 1000 && c.code !== 1001) {
      result.verdict = diagnoseClose({
        code: c.code, reason: c.reason, errorCode: watch.error?.code, during: 'the session', marker, extensions: ws.extensions,
        echoes: () => 0, sentBytes: 0, ageMs: () => performance.now() - openedAt, idleMs: () => performance.now() - lastTraffic,
      });
    }
  } else {
    weClosed = true;
    const c = await closeHandshake(ws, o.timeoutMs, closeWith.code, closeWith.reason);
    result.closeCode = c.code;
    emit({ event: 'phase', phase: 'close', t: rel(t0), ms: round(c.ms), code: c.code, reason: c.reason, answered: c.answered });
    if (!c.answered) result.verdict = verdict('close-unanswered', `no close frame came back within ${o.timeoutMs} ms of ours`, [c.reason, 'the socket was destroyed at the deadline']);
  }
  ws.off('message', onMessage);
  ws.off('ping', onPeerPing);
  return finish();
}

/** After the input ends: until as many messages came back as were sent, the peer closes, or the deadline. */
function waitForReplies(ws: WebSocket, counts: { sent: number; received: number }, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (counts.received >= counts.sent || ws.readyState !== ws.OPEN) return resolve();
    const done = () => {
      clearTimeout(timer);
      ws.off('message', check);
      ws.off('close', done);
      resolve();
    };
    // Registered after the session's own listener, so the count already includes this message.
    const check = () => {
      if (counts.received >= counts.sent) done();
    };
    const timer = setTimeout(done, timeoutMs);
    ws.on('message', check);
    ws.once('close', done);
  });
}

/** The endpoint's answer to /inspect, without the wire message's own tag; undefined for anything else. */
function parseInspect(text: string): HandshakeReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isInspectAnswer(value)) return undefined;
  const { event: _tag, ...report } = value;
  return report;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
