import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import {
  CLOSE_REQUEST_PREFIX, DEFAULT_ECHO_NAME, DEFAULT_ECHO_PATH, DEFAULT_HOST, DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_TIMEOUT_MS, ENDPOINT_HEADER, INSPECT_MESSAGE, RECEIVED_HEADER,
} from '../constants.js';
import { listen, listenUnix, ownRequestDeadlines } from '../net/listen.js';
import { errnoOf } from '../errors.js';
import { SocketSet, stopServer } from '../net/sockets.js';
import { formatHostPort } from '../net/url.js';
import { parseName } from '../net/header.js';
import { silentLogger, type Logger } from '../log.js';
import { buildH2Report, buildReport, type InspectAnswer } from './inspect.js';
import { createFront } from '../net/front.js';
import { wsOverStream } from '../protocol/ws-over-stream.js';
import { explainUpgradeRequired } from './explain.js';
import { refuseDowngrade, versionDowngrade } from './downgrade.js';
import { digestH2Request, digestRequest, formatReceived } from '../protocol/hop-trace.js';
import { selfTestPage } from './page.js';
import { nativeAddons } from './addons.js';
import { isValidCloseCode } from '../protocol/close-codes.js';
import { bufferOf } from '../protocol/raw-data.js';

export interface EchoOptions {
  host?: string;
  /** Listen on this unix socket instead of host:port. */
  socketPath?: string | undefined;
  /** 0 picks a free port. */
  port?: number;
  /** The canonical path printed in the URL; the endpoint echoes on any path. */
  path?: string;
  name?: string;
  /** Subprotocols the endpoint accepts; it picks the client's first offer that is in this list. */
  subprotocols?: string[];
  maxPayload?: number;
  /** `clientCa`: require a client certificate signed by it (mTLS). */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  /** Show Authorization, Cookie and Proxy-Authorization values in inspect reports (default: presence and length only). */
  showSecrets?: boolean;
  /** The --timeout: how long a request head or body, or a close the endpoint starts, may take. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

export interface EchoEndpoint {
  url: string;
  host: string;
  port: number;
  name: string;
  /** Open WebSocket connections right now. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Conn {
  report: InspectAnswer;
  openedAt: number;
  messages: number;
  closeTimer?: NodeJS.Timeout;
}

export async function startEcho(opts: EchoOptions = {}): Promise<EchoEndpoint> {
  const host = opts.host ?? DEFAULT_HOST;
  const name = parseName(opts.name ?? DEFAULT_ECHO_NAME, 'endpoint name');
  const path = opts.path ?? DEFAULT_ECHO_PATH;
  const log = opts.logger ?? silentLogger;
  const closeTimeoutMs = opts.closeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const accepted = opts.subprotocols ?? [];
  const showSecrets = opts.showSecrets ?? false;
  const conns = new Map<WebSocket, Conn>();

  // One port, both protocols (src/net/front.ts): `server` speaks HTTP/1.1, `h2` HTTP/2 with
  // extended CONNECT enabled (RFC 8441 §3), and `front` listens and hands each connection over.
  const server = createHttpServer();
  // Requests get --timeout for head and body; an open WebSocket is never timed out by us (zrok's
  // endpoint drops idle clients at ~10 s): the path's idle behaviour is what users come to measure.
  ownRequestDeadlines(server, closeTimeoutMs);
  const h2 = createH2Server({ settings: { enableConnectProtocol: true } });
  const sessions = new Set<Http2Session>();
  const front = createFront({ tls: opts.tls, h1: server, h2, sniffMs: closeTimeoutMs });
  const sockets = new SocketSet().track(front);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD_BYTES,
    // Without no_context_takeover ws compresses every message however small (its 1 KiB threshold
    // only applies with it), which made a 64 B echo ~8x slower. Each compressed message is a
    // round on libuv's thread pool, and a connection's first one also builds the zlib stream:
    // ~0.5 ms on loopback, which a one-shot client would report as the path's first-echo RTT.
    // So both directions drop context takeover (RFC 7692 lets the server require it of the
    // client); small messages then travel as they are, larger ones are still compressed.
    perMessageDeflate: { serverNoContextTakeover: true, clientNoContextTakeover: true },
    handleProtocols: (offered: Set<string>) => [...offered].find((p) => accepted.includes(p)) ?? false,
  });
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    headers.push(`${ENDPOINT_HEADER}: ${name}`, `${RECEIVED_HEADER}: ${formatReceived(digestRequest(req.httpVersion, req.headers))}`);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => onRequest(req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err: err.message }, 'client socket error before 101'));
    const downgrade = versionDowngrade(name, req);
    if (downgrade) {
      log.info({ via: req.headers.via, httpVersion: req.httpVersion }, 'upgrade in HTTP/1.0 somewhere on the path: 400');
      return refuseDowngrade(socket, name, req, downgrade);
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, buildReport(name, req, ws.protocol, ws.extensions, showSecrets), req.url));
  });
  // CONNECT gets no 'request' event: without this, Node closes the socket without a word.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    setTimeout(() => socket.destroy(), 2_000).unref();
  });
  server.on('clientError', (err: Error, socket: Duplex) => {
    log.debug({ err: err.message }, 'malformed request');
    // RFC 9110 §15.5.9 / RFC 6585 §5: a head over Node's limit is 431, a request not finished within --timeout 408.
    const code = errnoOf(err);
    const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  });

  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('error', (err: Error) => log.debug({ err: err.message }, 'h2 session error'));
    session.once('close', () => sessions.delete(session));
  });
  h2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => onRequest(req, res));
  // With a 'request' listener Node routes every CONNECT here (compat layer), extended or not.
  h2.on('connect', (req: Http2ServerRequest, res: Http2ServerResponse) => onH2Connect(req.stream, req.headers, req.rawHeaders, res));

  /** RFC 8441 §4–5: `:method CONNECT` + `:protocol websocket` opens a WebSocket on this stream. */
  function onH2Connect(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[], res: Http2ServerResponse): void {
    stream.on('error', (err: Error) => log.debug({ err: err.message }, 'h2 stream error'));
    const refuse = (status: number, error: string) => {
      log.info({ status, error, protocol: headers[':protocol'] }, 'extended CONNECT refused');
      const body = JSON.stringify({ error, endpoint: name }) + '\n';
      res.writeHead(status, { 'content-type': 'application/json', [ENDPOINT_HEADER]: name }).end(body);
    };
    if (headers[':protocol'] !== 'websocket') return refuse(headers[':protocol'] ? 501 : 405, `only CONNECT with :protocol websocket is served here (RFC 8441), got ${String(headers[':protocol'] ?? 'a plain CONNECT')}`);
    // RFC 8441 §5: Sec-WebSocket-Version is still sent (Key and Accept are not).
    if (headers['sec-websocket-version'] !== '13') return refuse(400, `sec-websocket-version must be 13 (RFC 6455 §4.1), got ${String(headers['sec-websocket-version'] ?? 'none')}`);
    const offered = String(headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const chosen = offered.find((p) => accepted.includes(p)) ?? '';
    stream.respond({
      ':status': 200, [ENDPOINT_HEADER.toLowerCase()]: name, [RECEIVED_HEADER.toLowerCase()]: formatReceived(digestH2Request(headers)),
      ...(chosen ? { 'sec-websocket-protocol': chosen } : {}),
    });
    const ws = wsOverStream(stream, { role: 'server', maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD_BYTES, protocol: chosen });
    onConnection(ws, buildH2Report(name, stream, headers, rawHeaders, chosen, showSecrets), headers[':path']);
  }

  function onRequest(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
    const urlPath = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && urlPath === '/health') {
      const body = JSON.stringify({ ok: true, endpoint: name, connections: conns.size, ...nativeAddons() }) + '\n';
      res.writeHead(200, { 'Content-Type': 'application/json', [ENDPOINT_HEADER]: name }).end(body);
      return;
    }
    if (req.method === 'GET' && urlPath === '/' && /text\/html/.test(req.headers.accept ?? '')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', [ENDPOINT_HEADER]: name }).end(selfTestPage(name, path));
      return;
    }
    log.info({ method: req.method, url: req.url, via: req.headers.via }, 'plain request without upgrade: 426');
    explainUpgradeRequired(name, req, res);
  }

  function onConnection(ws: WebSocket, report: InspectAnswer, url: string | undefined): void {
    const conn: Conn = { report, openedAt: performance.now(), messages: 0 };
    conns.set(ws, conn);
    log.info({ peer: conn.report.peer.address, url, http: report.httpVersion, subprotocol: ws.protocol || undefined }, 'open');
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(ws, conn, bufferOf(data), isBinary));
    ws.on('error', (err: Error & { code?: string }) => log.info({ code: err.code, err: err.message }, 'protocol error from client'));
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(conn.closeTimer);
      conns.delete(ws);
      const durationMs = Math.round(performance.now() - conn.openedAt);
      log.info({ code, reason: reason.toString() || undefined, durationMs, messages: conn.messages }, 'close');
    });
  }

  function onMessage(ws: WebSocket, conn: Conn, data: Buffer, isBinary: boolean): void {
    conn.messages++;
    if (!isBinary && data.length <= 32 && data.toString().startsWith('wstrace:')) {
      const text = data.toString();
      if (text === INSPECT_MESSAGE) return ws.send(JSON.stringify(conn.report));
      if (text === CLOSE_REQUEST_PREFIX || text.startsWith(CLOSE_REQUEST_PREFIX + ':')) return startClose(ws, conn, text);
    }
    ws.send(data, { binary: isBinary });
  }

  /** `wstrace:close[:CODE]`: the endpoint starts the close handshake and waits at most closeTimeoutMs for the reply. */
  function startClose(ws: WebSocket, conn: Conn, text: string): void {
    const requested = Number(text.slice(CLOSE_REQUEST_PREFIX.length + 1));
    // ws throws on codes that may not appear on the wire (1005, 1006, 2000…, RFC 6455 §7.4.1):
    // a client must not be able to crash the endpoint by asking for one.
    const valid = Number.isInteger(requested) && isValidCloseCode(requested);
    const code = valid ? requested : 1000;
    clearTimeout(conn.closeTimer);
    ws.close(code, valid || text === CLOSE_REQUEST_PREFIX ? `requested by client; dropped after ${closeTimeoutMs} ms unanswered` : `requested code is not valid on the wire: ${text.slice(CLOSE_REQUEST_PREFIX.length + 1, 40)}`);
    conn.closeTimer = setTimeout(() => {
      log.info({ waitedMs: closeTimeoutMs }, 'client never answered our close frame: dropping it');
      ws.terminate();
    }, closeTimeoutMs);
  }

  const scheme = opts.tls ? 'wss' : 'ws';
  let port = 0;
  let url: string;
  if (opts.socketPath) {
    await listenUnix(front, opts.socketPath);
    url = `${scheme}+unix:${opts.socketPath}:${path}`;
  } else {
    port = await listen(front, host, opts.port ?? 0);
    url = `${scheme}://${formatHostPort(host, port)}${path}`;
  }

  return {
    url,
    host,
    port,
    name,
    get connections() {
      return conns.size;
    },
    async close() {
      for (const ws of conns.keys()) ws.close(1001, 'endpoint stopping');
      wss.close();
      for (const session of sessions) session.close();
      server.closeIdleConnections();
      await stopServer(front, sockets);
    },
  };
}
