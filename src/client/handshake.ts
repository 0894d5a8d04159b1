import type { IncomingHttpHeaders, IncomingMessage, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { BODY_PREVIEW_BYTES, ENDPOINT_HEADER } from '../constants.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { deadlineError, diagnoseError } from '../diagnose/errors.js';
import { diagnoseResponse, whoAnswered } from '../diagnose/response.js';
import { headerTokens } from '../net/header.js';
import { acceptKey } from '../protocol/accept.js';
import { digestRequest, type Digest } from '../protocol/hop-trace.js';
import { WireClock } from './wire-clock.js';
import type { WsTarget } from '../net/url.js';
import { frameReceiver, handshakeRequest } from './ws-internals.js';

export interface HandshakeRequest {
  target: WsTarget;
  socket: Socket;
  timeoutMs: number;
  headers: Record<string, string>;
  subprotocols: string[];
  origin?: string | undefined;
  maxPayload: number;
  deflate: boolean;
  /** A client certificate was offered (tells a TLS alert's meaning apart). */
  clientCert?: boolean;
}

export interface UpgradeAnswer {
  status: number;
  statusText: string;
  httpVersion: string;
  headers: IncomingHttpHeaders;
  /** Raw casing, arrival order. */
  rawHeaders: [string, string][];
  /** Only for non-101 answers: the first BODY_PREVIEW_BYTES of the body. */
  body?: string;
  ms: number;
  /** The name in the endpoint's marker header, when a wstrace endpoint answered. */
  endpoint?: string | undefined;
  /** The hop-trace digest of the request we sent: the first point of the trace. */
  sent?: Digest | undefined;
}

/**
 * What happened to an open connection while no one was waiting on it: ws parses bytes that
 * arrived with the 101 (or between two echoes) on its own schedule, so a protocol error or a
 * close can come before the next listener is attached. The first of each is kept here.
 */
export interface Watch {
  error?: Error & { code?: string };
  close?: { code: number; reason: string };
}

export type HandshakeOutcome =
  | { ok: true; ws: WebSocket; answer: UpgradeAnswer; watch: Watch; clock: WireClock }
  | { ok: false; answer?: UpgradeAnswer; verdict: Verdict };

/**
 * Sends the opening handshake on an already-connected socket (so connect/TLS are timed apart)
 * and waits at most `timeoutMs` for the answer. ws checks Sec-WebSocket-Accept, subprotocol and
 * extensions; we translate its refusals into catalogue verdicts. On failure the socket is destroyed.
 */
export function handshake(req: HandshakeRequest): Promise<HandshakeOutcome> {
  const where = req.target.url.host;
  const clock = new WireClock(req.socket);
  clock.arm();
  const t0 = performance.now();
  return new Promise((resolve) => {
    let answer: UpgradeAnswer | undefined;
    let settled = false;
    let sentKey: string | undefined;
    const watch: Watch = {};
    const ws = new WebSocket(req.target.url, req.subprotocols, {
      createConnection: () => req.socket,
      headers: req.headers,
      origin: req.origin,
      maxPayload: req.maxPayload,
      perMessageDeflate: req.deflate,
      followRedirects: false,
    });
    const finish = (outcome: HandshakeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!outcome.ok) {
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        req.socket.destroy();
      }
      resolve(outcome);
    };
    let partialBody: (() => { body: string; bytes: number }) | undefined;
    const timer = setTimeout(() => {
      // The status line and headers came, the body did not finish: that is the answer, cut short.
      if (answer && partialBody) {
        const { body, bytes } = partialBody();
        const v = diagnoseResponse({ ...answer, body, origin: req.origin, secure: req.target.secure });
        v.evidence.push(`the body stalled: ${bytes} byte(s) arrived, then nothing until the ${req.timeoutMs} ms deadline (--timeout)`);
        return finish({ ok: false, answer: { ...answer, body }, verdict: v });
      }
      finish({ ok: false, answer, verdict: diagnoseError('upgrade', deadlineError('upgrade', req.timeoutMs), where, req.timeoutMs, { secure: req.target.secure }) });
    }, req.timeoutMs);

    const clientReq = handshakeRequest(ws);
    const key = clientReq?.getHeader('sec-websocket-key');
    sentKey = typeof key === 'string' ? key : undefined;
    const sent = clientReq ? digestRequest('1.1', clientReq.getHeaders()) : undefined;

    ws.on('upgrade', (res: IncomingMessage) => {
      answer = { ...describe(res, clock.elapsed() ?? performance.now() - t0), sent };
    });
    ws.on('unexpected-response', (_r: ClientRequest, res: IncomingMessage) => {
      answer = { ...describe(res, clock.elapsed() ?? performance.now() - t0), sent };
      // Node hands a 101 without `Connection: upgrade` over as an ordinary response.
      if (answer.status === 101) return finish({ ok: false, answer, verdict: incomplete101(answer) });
      partialBody = readPreview(res, (body) => {
        answer!.body = body;
        finish({ ok: false, answer, verdict: diagnoseResponse({ ...answer!, body, origin: req.origin, secure: req.target.secure }) });
      });
    });
    ws.on('open', () => {
      // A close frame can come in the same read as the 101. ws reports it only once TCP closes,
      // which a peer that keeps the socket open delays by ws's own 30 s: note it when it is parsed.
      frameReceiver(ws)?.prependListener('conclude', (code: number, reason: Buffer) => {
        watch.close ??= { code, reason: reason.toString() };
      });
      finish({ ok: true, ws, answer: answer!, watch, clock });
    });
    ws.on('close', (code: number, reason: Buffer) => {
      watch.close ??= { code, reason: reason.toString() };
    });
    ws.on('error', (err: Error) => {
      if (settled) {
        watch.error ??= err;
        return;
      }
      if (answer && answer.status === 101) return finish({ ok: false, answer, verdict: refused101(err, answer, sentKey, req.subprotocols) });
      finish({ ok: false, answer, verdict: diagnoseError('upgrade', err, where, undefined, { secure: req.target.secure, clientCert: req.clientCert }) });
    });
  });
}

/** `ms`: request written → first byte of the answer (WireClock), or our own measure without one. */
function describe(res: IncomingMessage, ms: number): UpgradeAnswer {
  const raw: [string, string][] = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
  const marker = res.headers[ENDPOINT_HEADER.toLowerCase()];
  return {
    status: res.statusCode ?? 0,
    statusText: res.statusMessage ?? '',
    httpVersion: res.httpVersion,
    headers: res.headers,
    rawHeaders: raw,
    ms,
    endpoint: typeof marker === 'string' ? marker : undefined,
  };
}

/**
 * Reads at most BODY_PREVIEW_BYTES, then stops reading (the caller destroys the socket). Returns
 * what has arrived so far, for a body that stalls before it ends.
 */
function readPreview(res: IncomingMessage, done: (body: string) => void): () => { body: string; bytes: number } {
  const chunks: Buffer[] = [];
  let size = 0;
  let called = false;
  const sofar = () => Buffer.concat(chunks).subarray(0, BODY_PREVIEW_BYTES).toString('utf8');
  const finish = () => {
    if (called) return;
    called = true;
    done(sofar());
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= BODY_PREVIEW_BYTES) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
  res.on('close', finish);
  return () => ({ body: sofar(), bytes: size });
}

/** RFC 6455 §4.1: a 101 must carry `Upgrade: websocket` and `Connection: Upgrade`; say which it lacks. */
function incomplete101(answer: UpgradeAnswer): Verdict {
  const h = answer.headers;
  const missing: string[] = [];
  if (!headerTokens(h.upgrade).includes('websocket')) missing.push(`Upgrade: websocket (got ${h.upgrade === undefined ? 'nothing' : JSON.stringify(h.upgrade)})`);
  if (!headerTokens(h.connection).includes('upgrade')) missing.push(`Connection: Upgrade (got ${h.connection === undefined ? 'nothing' : JSON.stringify(h.connection)})`);
  return verdict('bad-response', `the 101 Switching Protocols lacks ${missing.map((m) => m.split(' (')[0]).join(' and ')}`, [
    `missing/wrong: ${missing.join(', ')}`,
    `who answered: ${whoAnswered(h)}`,
  ], 'a hop rewrote the 101 (dropped its hop-by-hop headers) or the server does not speak WebSocket: run `wstrace bisect` over each hop');
}

/** A 101 that ws refused: wrong accept key, subprotocol or extension trouble. */
function refused101(err: Error, answer: UpgradeAnswer, sentKey: string | undefined, offered: string[]): Verdict {
  const msg = err.message;
  const got = answer.headers['sec-websocket-accept'];
  if (/Sec-WebSocket-Accept/i.test(msg)) {
    const expected = sentKey ? acceptKey(sentKey) : 'unknown';
    return verdict('bad-accept', '101 came with a wrong Sec-WebSocket-Accept', [
      `sent key ${sentKey ?? '?'}: expected accept ${expected}, got ${got === undefined ? 'no header' : JSON.stringify(got)}`,
      `answered by ${answer.endpoint ? `wstrace endpoint "${answer.endpoint}"` : answer.headers.server ? `Server: ${String(answer.headers.server)}` : 'a server that names itself nowhere (no Server header)'}`,
    ]);
  }
  if (/subprotocol/i.test(msg)) {
    const chosen = answer.headers['sec-websocket-protocol'];
    const list = offered.map((p) => JSON.stringify(p)).join(', ');
    // RFC 6455 §4.1: a client must fail the connection when the 101 picks none of its offers.
    return verdict('subprotocol-mismatch', `offered subprotocol ${list || '(none)'}, but the 101 chose ${chosen ? JSON.stringify(chosen) : 'none'}`, [
      `ws refused the 101: ${msg}`,
      answer.endpoint
        ? `the 101 came from wstrace endpoint "${answer.endpoint}": it does not accept ${list} (start it with --subprotocol), or a hop dropped Sec-WebSocket-Protocol`
        : 'a hop may have dropped Sec-WebSocket-Protocol, or the server does not accept the offered protocol',
    ]);
  }
  if (/extension/i.test(msg)) {
    return verdict('extension-broken', `101 negotiated extensions the client cannot accept`, [msg, `Sec-WebSocket-Extensions: ${String(answer.headers['sec-websocket-extensions'] ?? '')}`]);
  }
  return verdict('bad-response', `the 101 answer was refused: ${msg}`, [msg]);
}
