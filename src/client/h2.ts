import { connect as h2Connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import type { Socket } from 'node:net';
import { BODY_PREVIEW_BYTES, ENDPOINT_HEADER } from '../constants.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { deadlineError, diagnoseError } from '../diagnose/errors.js';
import { messageOf } from '../errors.js';
import { describeSettings, h2ErrorName, type H2Settings } from '../protocol/h2.js';
import { wsOverStream } from '../protocol/ws-over-stream.js';
import type { WsTarget } from '../net/url.js';
import type { HandshakeOutcome, UpgradeAnswer, Watch } from './handshake.js';
import { WireClock } from './wire-clock.js';

export type SessionOutcome =
  | { ok: true; session: ClientHttp2Session; settings: H2Settings; ms: number }
  | { ok: false; verdict: Verdict };

/**
 * Sends the h2 preface on a connected socket (TLS with ALPN h2, or cleartext h2c with prior
 * knowledge) and waits at most `timeoutMs` for the server's first SETTINGS frame, the one that
 * says whether it accepts extended CONNECT (RFC 8441 §3). On failure nothing is left open.
 */
export function openSession(target: WsTarget, socket: Socket, timeoutMs: number): Promise<SessionOutcome> {
  const t0 = performance.now();
  const where = target.url.host;
  return new Promise((resolve) => {
    const session = h2Connect(`${target.secure ? 'https' : 'http'}://${target.hostHeader}`, {
      createConnection: () => socket,
      settings: { enablePush: false },
    });
    let goaway: string | undefined;
    const finish = (o: SessionOutcome) => {
      clearTimeout(timer);
      session.off('remoteSettings', onSettings);
      session.off('goaway', onGoaway);
      session.off('close', onClose);
      if (!o.ok) {
        session.destroy();
        socket.destroy();
      }
      resolve(o);
    };
    const noSettings = (why: string) => {
      const summary = target.secure
        ? `${where} negotiated h2 but sent no SETTINGS: ${why}`
        : `${where} did not answer the h2c preface with SETTINGS: it does not speak cleartext HTTP/2 (${why})`;
      finish({ ok: false, verdict: verdict('h2-not-offered', summary, [why, ...(goaway ? [`GOAWAY ${goaway}`] : [])],
        target.secure ? undefined : 'browsers never use h2 for ws:// (cleartext): test this port with `--http 1.1`, or use wss:// for HTTP/2') });
    };
    const onSettings = () => finish({ ok: true, session, settings: describeSettings(session.remoteSettings), ms: performance.now() - t0 });
    const onGoaway = (code: number) => (goaway = h2ErrorName(code));
    const onClose = () => noSettings('the connection closed before any SETTINGS frame');
    const timer = setTimeout(() => {
      finish({ ok: false, verdict: diagnoseError('upgrade', deadlineError('settings', timeoutMs), where, timeoutMs) });
    }, timeoutMs);
    // Errors end the wait through `close`; after that the owner of the session handles them.
    session.on('error', (err: Error) => (goaway ??= messageOf(err)));
    session.once('remoteSettings', onSettings);
    session.on('goaway', onGoaway);
    session.once('close', onClose);
  });
}

export interface ExtendedConnect {
  target: WsTarget;
  session: ClientHttp2Session;
  timeoutMs: number;
  headers: Record<string, string>;
  subprotocols: string[];
  origin?: string | undefined;
  maxPayload: number;
  /** Leave the session open when the stream ends (several WebSockets on one connection). */
  keepSession?: boolean;
}

export type StreamOutcome =
  | { ok: true; stream: ClientHttp2Stream; answer: UpgradeAnswer }
  | { ok: false; answer?: UpgradeAnswer; verdict: Verdict };

/**
 * RFC 8441 §4: the WebSocket handshake as an extended CONNECT on a new stream, waited for at most
 * `timeoutMs`. A 200 opens the stream (no Sec-WebSocket-Key/Accept over h2, §5); anything else is
 * a verdict, and the stream is destroyed. The session stays open either way (its owner closes it).
 */
export function connectStream(req: ExtendedConnect): Promise<StreamOutcome> {
  const t0 = performance.now();
  const where = req.target.url.host;
  const { session } = req;
  return new Promise((resolve) => {
    let settled = false;
    let answer: UpgradeAnswer | undefined;
    let goaway: string | undefined;
    let stream: ClientHttp2Stream | undefined;
    const finish = (o: StreamOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.off('goaway', onGoaway);
      if (!o.ok) stream?.destroy();
      resolve(o);
    };
    const onGoaway = (code: number, lastStreamId: number) => (goaway = `GOAWAY ${h2ErrorName(code)} (last stream ${lastStreamId})`);
    session.on('goaway', onGoaway);
    const timer = setTimeout(() => {
      finish({ ok: false, answer, verdict: diagnoseError('upgrade', deadlineError('upgrade', req.timeoutMs), where, req.timeoutMs) });
    }, req.timeoutMs);
    try {
      stream = session.request(requestHeaders(req), { endStream: false });
    } catch (e) {
      finish({ ok: false, verdict: verdict('h2-stream-reset', `the extended CONNECT could not be sent to ${where}`, [messageOf(e)]) });
      return;
    }
    const s = stream;
    s.on('error', () => {}); // ends in 'close', where rstCode says why
    s.once('response', (headers: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      answer = describe(headers, t0);
      if (answer.status === 200) return finish({ ok: true, stream: s, answer });
      readPreview(s, (body) => {
        answer!.body = body;
        finish({ ok: false, answer, verdict: rejected(answer!, where) });
      });
    });
    s.once('close', () => {
      if (settled || answer) return;
      const code = s.rstCode ?? 0;
      finish({ ok: false, answer, verdict: verdict('h2-stream-reset', `${where} reset the extended CONNECT stream with ${h2ErrorName(code)}`, [
        `RST_STREAM ${h2ErrorName(code)} before any :status`, ...(goaway ? [goaway] : []),
        code === 1 ? 'PROTOCOL_ERROR on a CONNECT with :protocol: the hop does not implement RFC 8441, or rejects :protocol as an unknown pseudo-header' : '',
      ].filter(Boolean)) });
    });
  });
}

/**
 * The client's WebSocket over h2: connectStream, the subprotocol check RFC 6455 §4.1 keeps
 * (RFC 8441 §5), then ws on the stream, which carries RFC 6455 frames exactly as TCP does after a
 * 101. Unless `keepSession`, the session closes when the stream does (one WebSocket per connection).
 */
export async function extendedConnect(req: ExtendedConnect): Promise<HandshakeOutcome> {
  const o = await connectStream(req);
  if (!o.ok) {
    if (!req.keepSession) req.session.destroy();
    return o;
  }
  const a = o.answer;
  const chosen = String(a.headers['sec-websocket-protocol'] ?? '');
  if ((chosen && !req.subprotocols.includes(chosen)) || (!chosen && req.subprotocols.length)) {
    o.stream.destroy();
    if (!req.keepSession) req.session.destroy();
    const list = req.subprotocols.map((p) => JSON.stringify(p)).join(', ');
    return { ok: false, answer: a, verdict: verdict('subprotocol-mismatch', `offered subprotocol ${list || '(none)'}, but the 200 chose ${chosen ? JSON.stringify(chosen) : 'none'}`, [
      a.endpoint ? `the 200 came from wstrace endpoint "${a.endpoint}": it does not accept ${list} (start it with --subprotocol), or a hop dropped sec-websocket-protocol` : 'a hop may have dropped sec-websocket-protocol, or the server does not accept the offered protocol',
    ]) };
  }
  if (!req.keepSession) o.stream.once('close', () => req.session.close());
  const ws = wsOverStream(o.stream, { role: 'client', maxPayload: req.maxPayload, protocol: chosen });
  // On the stream, not the TLS/TCP socket (nghttp2 writes that one natively): our frame's write
  // to the first DATA back. After ws has its listeners, so no byte is read before ws sees it.
  const clock = new WireClock(o.stream as unknown as Socket);
  const watch: Watch = {};
  ws.on('close', (code: number, reason: Buffer) => (watch.close ??= { code, reason: reason.toString() }));
  ws.on('error', (err: Error) => (watch.error ??= err));
  return { ok: true, ws, answer: a, watch, clock };
}

function requestHeaders(req: ExtendedConnect): Record<string, string> {
  const h: Record<string, string> = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': req.target.secure ? 'https' : 'http',
    ':path': req.target.path,
    ':authority': req.target.hostHeader,
    'sec-websocket-version': '13',
  };
  if (req.subprotocols.length) h['sec-websocket-protocol'] = req.subprotocols.join(', ');
  if (req.origin) h.origin = req.origin;
  for (const [k, v] of Object.entries(req.headers)) h[k.toLowerCase()] = v;
  return h;
}

function describe(headers: IncomingHttpHeaders & IncomingHttpStatusHeader, t0: number): UpgradeAnswer {
  const raw: [string, string][] = Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]);
  const marker = headers[ENDPOINT_HEADER.toLowerCase()];
  return {
    status: Number(headers[':status'] ?? 0),
    statusText: '',
    httpVersion: '2.0',
    headers,
    rawHeaders: raw,
    ms: performance.now() - t0,
    endpoint: typeof marker === 'string' ? marker : undefined,
  };
}

function rejected(a: UpgradeAnswer, where: string): Verdict {
  const who = a.endpoint ? `wstrace endpoint "${a.endpoint}"` : a.headers['x-wstrace-hop'] ? `wstrace hop "${String(a.headers['x-wstrace-hop'])}"` : a.headers.server ? `server: ${String(a.headers.server)}` : 'a server that names itself nowhere';
  // A hop that advertised extended CONNECT but whose upstream does not: the browser case that
  // never falls back (it only does when the hop it talks to lacks the setting).
  const upstreamLacks = a.status === 502 && /extended CONNECT|ENABLE_CONNECT_PROTOCOL/i.test(a.body ?? '');
  return verdict('h2-connect-rejected', `${where} answered the extended CONNECT with :status ${a.status}`, [
    `answered by ${who}`, ...(a.headers.via ? [`via: ${String(a.headers.via)}`] : []), ...(a.body ? [`body: ${a.body.slice(0, 300).trim()}`] : []),
  ], upstreamLacks
    ? `${who} advertises extended CONNECT but a hop behind it does not: a browser gets this error and does not fall back to HTTP/1.1; find that hop with \`wstrace bisect <each hop's URL> --http 2\``
    : undefined);
}

function readPreview(stream: ClientHttp2Stream, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let called = false;
  const finish = () => {
    if (called) return;
    called = true;
    done(Buffer.concat(chunks).subarray(0, BODY_PREVIEW_BYTES).toString('utf8'));
  };
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= BODY_PREVIEW_BYTES) finish();
  });
  stream.once('end', finish);
  stream.once('close', finish);
}
