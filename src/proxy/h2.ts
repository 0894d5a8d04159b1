import { request as httpRequest, STATUS_CODES, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as h2Connect, type ClientHttp2Session, type ClientHttp2Stream, type Http2ServerRequest, type Http2ServerResponse, type IncomingHttpHeaders as H2Headers } from 'node:http2';
import { randomBytes } from 'node:crypto';
import { connect as netConnect } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { HOP_HEADER } from '../constants.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import type { WsTarget } from '../net/url.js';
import { acceptKey } from '../protocol/accept.js';
import { h2ErrorName } from '../protocol/h2.js';
import { answerRaw } from './answer.js';
import { appendVia, isLoop } from './hop-headers.js';
import { digestH2Request, digestRequest, type Digest } from '../protocol/hop-trace.js';
import { Tunnel } from './tunnel.js';
import type { Fault, OutgoingHeaders } from './faults/fault.js';
import type { Drawn } from './hop-faults.js';
import { addFrameTap, type FrameEvent } from './frame-log.js';

/**
 * The WebSocket legs the proxy converts between HTTP versions (http-proxy only speaks HTTP/1.1):
 * an extended CONNECT received over h2 (RFC 8441) or an HTTP/1.1 upgrade, forwarded upstream as an
 * HTTP/1.1 upgrade or an extended CONNECT. After the handshake both legs carry the same RFC 6455
 * frames, so the Tunnel, the faults and the frame tap work unchanged on top.
 */
export type HttpVersion = '1.1' | '2';
/** What a hop speaks upstream: a fixed version, or `same` as the client spoke to it. */
export type UpstreamHttp = HttpVersion | 'same';

/** The client's leg: an h2 stream (answered with :status), or an HTTP/1.1 socket after its request head. */
type Downstream =
  | { kind: '2'; stream: Duplex; res: Http2ServerResponse; received: Digest }
  | { kind: '1.1'; socket: Duplex; head: Buffer; key: string; received: Digest };

type UpstreamAnswer =
  | { ok: true; protocol: HttpVersion; headers: Record<string, string | string[] | undefined>; duplex: Duplex; session?: ClientHttp2Session }
  | { ok: false; protocol: HttpVersion; status: number; headers: Record<string, string | string[] | undefined>; body: Readable; session?: ClientHttp2Session }
  | { ok: false; status: 502 | 504; message: string };

export interface ConverterOptions {
  hop: () => string;
  upstreamHttp: UpstreamHttp;
  pickTarget: () => WsTarget;
  /** The hop's faults for one new connection (toxicity drawn once), and how its tunnel gets their stages. */
  draw: () => Drawn;
  attach: (tunnel: Tunnel, drawn: Drawn) => void;
  timeoutMs: number;
  log: Logger;
  traceFrames?: boolean | undefined;
  onFrame?: ((ev: FrameEvent) => void) | undefined;
}

// RFC 9110 §7.6.1 and RFC 9113 §8.2.2: never forwarded; the handshake fields are rebuilt per leg.
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'http2-settings',
  'sec-websocket-key', 'sec-websocket-accept', 'content-length',
]);

export class Converter {
  private readonly open = new Set<{ destroy(): void }>();

  constructor(private readonly o: ConverterOptions) {}

  get active(): number {
    return this.open.size;
  }

  /** An extended CONNECT on one of our h2 streams (Node's compat layer routes every CONNECT here). */
  fromH2(req: Http2ServerRequest, res: Http2ServerResponse): void {
    const stream = req.stream;
    stream.on('error', (err: Error) => this.o.log.debug({ err: err.message }, 'h2 client stream error'));
    if (req.headers[':protocol'] !== 'websocket') {
      return this.answer({ kind: '2', stream, res, received: digestH2Request(req.headers) }, 501, `this hop forwards only CONNECT with :protocol websocket (RFC 8441), got ${String(req.headers[':protocol'] ?? 'a plain CONNECT')}`);
    }
    const down: Downstream = { kind: '2', stream, res, received: digestH2Request(req.headers) };
    this.forward(down, req as unknown as IncomingMessage, endToEnd(req.headers), {
      path: String(req.headers[':path'] ?? '/'),
      authority: String(req.headers[':authority'] ?? ''),
      via: req.headers.via,
    });
  }

  /** An HTTP/1.1 upgrade this hop forwards as an extended CONNECT (`--upstream-http 2`). */
  fromH1(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const down: Downstream = { kind: '1.1', socket, head, key: String(req.headers['sec-websocket-key'] ?? ''), received: digestRequest(req.httpVersion, req.headers) };
    this.forward(down, req, endToEnd(req.headers), { path: req.url ?? '/', authority: String(req.headers.host ?? ''), via: req.headers.via });
  }

  /** A plain (non-CONNECT) request over h2, e.g. the self-test page: forwarded over HTTP/1.1. */
  plainFromH2(req: Http2ServerRequest, res: Http2ServerResponse): void {
    const name = this.o.hop();
    const target = this.o.pickTarget();
    const headers = endToEnd(req.headers);
    if (req.headers['content-length']) headers['content-length'] = String(req.headers['content-length']);
    const received = digestH2Request(req.headers);
    headers.via = appendVia(req.headers.via, name, false, received);
    const reply = (status: number, message: string) => {
      if (res.headersSent) return void res.stream.destroy();
      const body = JSON.stringify({ error: STATUS_CODES[status] ?? 'error', hop: name, message }) + '\n';
      res.writeHead(status, { 'content-type': 'application/json', [HOP_HEADER.toLowerCase()]: name, via: appendVia(undefined, name, false, received) }).end(body);
    };
    const out = (target.secure ? httpsRequest : httpRequest)({
      host: target.host, port: target.port, method: req.method, path: joinPath(target, req.url), rejectUnauthorized: false, servername: target.host,
      headers: { ...headers, host: String(req.headers[':authority'] ?? target.hostHeader) },
    });
    const timer = setTimeout(() => {
      out.destroy();
      reply(504, `upstream ${target.url.host} did not answer within ${this.o.timeoutMs} ms`);
    }, this.o.timeoutMs);
    out.on('response', (r: IncomingMessage) => {
      clearTimeout(timer);
      const back = endToEnd(r.headers);
      if (r.headers['content-length']) back['content-length'] = r.headers['content-length'];
      back.via = appendVia(r.headers.via, name, false, received);
      res.writeHead(r.statusCode ?? 502, back);
      r.pipe(res as unknown as NodeJS.WritableStream);
    });
    out.on('error', (err: Error) => {
      clearTimeout(timer);
      reply(502, `upstream ${target.url.host}: ${err.message}`);
    });
    req.stream.on('error', () => out.destroy());
    req.pipe(out);
  }

  closeAll(): void {
    for (const o of this.open) o.destroy();
    this.open.clear();
  }

  private forward(down: Downstream, req: IncomingMessage, headers: Record<string, string>, r: { path: string; authority: string; via: string | string[] | undefined }): void {
    const name = this.o.hop();
    const downDuplex = down.kind === '2' ? down.stream : down.socket;
    const owner = { destroy: () => downDuplex.destroy() };
    this.open.add(owner);
    downDuplex.once('close', () => this.open.delete(owner));
    if (isLoop(name, r.via)) return this.answer(down, 508, `Via already names "${name}": a loop, or two hops share this name (use --name)`);
    const drawn = this.o.draw();
    const faults: Fault[] = drawn.map((e) => e.fault);
    let answered = false;
    const ctx = {
      hop: name, kind: 'upgrade' as const, req, log: this.o.log,
      answer: (status: number, message: string) => ((answered = true), this.answer(down, status, message)),
      hold: () => this.o.log.info({ url: r.path }, 'holding upgrade without answering (fault)'),
    };
    if (faults.some((f) => f.onRequest?.(ctx) === 'handled') || answered) return;
    headers.via = appendVia(r.via, name, true, down.received);
    const target = this.o.pickTarget();
    const path = joinPath(target, r.path);
    const authority = r.authority || target.hostHeader;
    const version = this.o.upstreamHttp === 'same' ? down.kind : this.o.upstreamHttp;
    const dial = version === '2' ? this.viaH2(target, path, authority, headers, req, faults) : this.viaH1(target, path, authority, headers, req, faults);
    dial.then((up) => this.connected(down, up, target, owner, drawn), (err: unknown) => this.answer(down, 502, `upstream ${target.url.host}: ${messageOf(err)}`));
  }

  private connected(down: Downstream, up: UpstreamAnswer, target: WsTarget, owner: { destroy(): void }, drawn: Drawn): void {
    const name = this.o.hop();
    const downDuplex = down.kind === '2' ? down.stream : down.socket;
    if ('message' in up) return this.answer(down, up.status, `upstream ${target.url.host}: ${up.message}`);
    if (downDuplex.destroyed) {
      if (up.ok) up.duplex.destroy();
      else up.body.destroy();
      up.session?.destroy();
      return;
    }
    const headers = endToEnd(up.headers);
    headers.via = appendVia(up.headers.via, name, true, down.received);
    if (!up.ok) {
      this.o.log.info({ target: target.url.host, status: up.status }, 'upgrade refused upstream');
      return this.relayRefusal(down, up.status, headers, up.body, () => up.session?.close());
    }
    for (const { fault } of drawn) fault.editUpgradeResponse?.(headers);
    if (down.kind === '2') {
      (down.stream as unknown as { respond(h: Record<string, unknown>): void }).respond({ ':status': 200, ...headers });
    } else {
      const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(down.key)}`];
      for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) lines.push(`${k}: ${String(one)}`);
      down.socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (down.head.length) up.duplex.write(down.head);
    }
    up.duplex.on('error', (err: Error) => this.o.log.debug({ err: err.message }, 'upstream leg error'));
    const tunnel = new Tunnel(downDuplex, up.duplex);
    owner.destroy = () => tunnel.destroy('proxy stopping');
    this.o.log.info({ target: target.url.host, from: down.kind, to: up.protocol }, 'websocket converted');
    this.o.attach(tunnel, drawn);
    if (this.o.traceFrames) addFrameTap(tunnel, name, this.o.log, this.o.onFrame);
    tunnel.once('closed', (stats) => {
      this.o.log.info({ target: target.url.host, ...stats }, 'tunnel closed');
      up.session?.close();
    });
    tunnel.start();
  }

  /** Upstream over HTTP/1.1: GET + Upgrade with a fresh key (RFC 6455 §4.1). */
  private viaH1(target: WsTarget, path: string, authority: string, e2e: Record<string, string>, incoming: IncomingMessage, faults: Fault[]): Promise<UpstreamAnswer> {
    return new Promise((resolve) => {
      const key = randomBytes(16).toString('base64');
      const req: ClientRequest = (target.secure ? httpsRequest : httpRequest)({
        ...(target.socketPath ? { socketPath: target.socketPath } : { host: target.host, port: target.port }), path, method: 'GET', rejectUnauthorized: false, servername: target.host,
        headers: { ...e2e, host: authority, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': key, 'sec-websocket-version': e2e['sec-websocket-version'] ?? '13' },
      });
      for (const f of faults) f.editUpgradeRequest?.(req, incoming);
      const timer = setTimeout(() => {
        req.destroy();
        resolve({ ok: false, status: 504, message: `did not answer the upgrade within ${this.o.timeoutMs} ms` });
      }, this.o.timeoutMs);
      req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
        clearTimeout(timer);
        if (head.length) socket.unshift(head);
        resolve({ ok: true, protocol: '1.1', headers: res.headers, duplex: socket });
      });
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(timer);
        resolve({ ok: false, protocol: '1.1', status: res.statusCode ?? 502, headers: res.headers, body: res });
      });
      req.on('error', (err: Error) => {
        clearTimeout(timer);
        resolve({ ok: false, status: 502, message: err.message });
      });
      req.end();
    });
  }

  /** Upstream over HTTP/2: its own session (TLS with ALPN h2, or h2c), SETTINGS, then an extended CONNECT. */
  private viaH2(target: WsTarget, path: string, authority: string, e2e: Record<string, string>, incoming: IncomingMessage, faults: Fault[]): Promise<UpstreamAnswer> {
    return new Promise((resolve) => {
      const unix = target.socketPath;
      const session = h2Connect(`${target.secure ? 'https' : 'http'}://${target.url.host}`, {
        rejectUnauthorized: false, servername: target.host, ...(unix ? { createConnection: () => netConnect(unix) } : {}),
      } as never);
      let done = false;
      const fail = (status: 502 | 504, message: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        session.destroy();
        resolve({ ok: false, status, message });
      };
      const timer = setTimeout(() => fail(504, `did not open the WebSocket over HTTP/2 within ${this.o.timeoutMs} ms`), this.o.timeoutMs);
      session.on('error', (err: Error) => fail(502, `HTTP/2: ${err.message}`));
      session.once('close', () => fail(502, 'HTTP/2 connection closed before the WebSocket opened'));
      session.once('remoteSettings', (settings) => {
        if (!settings.enableConnectProtocol) return fail(502, 'speaks HTTP/2 but does not advertise extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3)');
        const headers: Record<string, string> = {
          ...e2e, ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': target.secure ? 'https' : 'http', ':path': path, ':authority': authority,
        };
        headers['sec-websocket-version'] ??= '13';
        const out = headerBag(headers);
        for (const f of faults) f.editUpgradeRequest?.(out, incoming);
        // A fault written for HTTP/1.1 (strip-upgrade sets Connection) must not make the h2 request malformed.
        for (const k of Object.keys(headers)) if (HOP_BY_HOP.has(k)) delete headers[k];
        let stream: ClientHttp2Stream;
        try {
          stream = session.request(headers, { endStream: false });
        } catch (e) {
          return fail(502, `HTTP/2: ${messageOf(e)}`);
        }
        stream.on('error', () => {});
        stream.once('close', () => fail(502, `reset the extended CONNECT with ${h2ErrorName(stream.rstCode ?? 0)}`));
        stream.once('response', (h: H2Headers) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          const status = Number(h[':status']);
          if (status === 200) resolve({ ok: true, protocol: '2', headers: h, duplex: stream, session });
          else resolve({ ok: false, protocol: '2', status, headers: h, body: stream, session });
        });
      });
    });
  }

  /** The upstream's refusal, passed on with its status and body (the far end's words, not ours). */
  private relayRefusal(down: Downstream, status: number, headers: Record<string, string | string[]>, body: Readable, done: () => void): void {
    body.on('error', () => {});
    body.once('close', done);
    if (down.kind === '2') {
      down.res.writeHead(status, headers);
      body.pipe(down.res as unknown as NodeJS.WritableStream);
      return;
    }
    const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close'];
    for (const [k, v] of Object.entries(headers)) for (const one of [v].flat()) lines.push(`${k}: ${String(one)}`);
    down.socket.write(lines.join('\r\n') + '\r\n\r\n');
    body.pipe(down.socket);
  }

  /** This hop's own answer (loop, timeout, unreachable upstream, a fault's status). */
  private answer(down: Downstream, status: number, message: string): void {
    const name = this.o.hop();
    this.o.log.info({ status, message }, 'upgrade answered by this hop');
    if (down.kind === '1.1') return answerRaw(down.socket, status, name, message, { Via: appendVia(undefined, name, true, down.received) });
    if (down.res.headersSent || down.stream.destroyed) return void down.stream.destroy();
    const body = JSON.stringify({ error: STATUS_CODES[status] ?? 'error', hop: name, message }) + '\n';
    down.res.writeHead(status, { 'content-type': 'application/json', [HOP_HEADER.toLowerCase()]: name, via: appendVia(undefined, name, true, down.received) }).end(body);
  }
}

/** End-to-end fields only, lower-cased, arrays joined (pseudo-headers and hop-by-hop ones dropped). */
function endToEnd(headers: Record<string, string | string[] | number | undefined>): Record<string, string> {
  const named = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const name = k.toLowerCase();
    if (v === undefined || name.startsWith(':') || HOP_BY_HOP.has(name) || named.has(name)) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/** A target's base path prefixed to the request path, as http-proxy does for the HTTP/1.1 leg. */
function joinPath(target: WsTarget, path: string): string {
  const prefix = target.url.pathname === '/' ? '' : target.url.pathname.replace(/\/$/, '');
  return prefix + path;
}

/** Lets faults edit a plain header object through the ClientRequest-like interface they know. */
function headerBag(h: Record<string, string>): OutgoingHeaders {
  return {
    getHeader: (n) => h[n.toLowerCase()],
    setHeader: (n, v) => void (h[n.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v),
    removeHeader: (n) => void delete h[n.toLowerCase()],
  };
}
