import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import {
  CLOSE_REQUEST_PREFIX, DEFAULT_ECHO_NAME, DEFAULT_ECHO_PATH, DEFAULT_HOST, DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_TIMEOUT_MS, ENDPOINT_HEADER, INSPECT_MESSAGE, RECEIVED_HEADER,
} from '../constants.js';
import { listen, listenUnix } from '../net/listen.js';
import { InputError, messageOf } from '../errors.js';
import { SocketSet, stopServer } from '../net/sockets.js';
import { formatHostPort } from '../net/url.js';
import { silentLogger, type Logger } from '../log.js';
import { buildReport, type HandshakeReport } from './inspect.js';
import { explainUpgradeRequired } from './explain.js';
import { refuseDowngrade, versionDowngrade } from './downgrade.js';
import { digestRequest, formatReceived } from '../protocol/hop-trace.js';
import { selfTestPage } from './page.js';
import { nativeAddons } from './addons.js';
import { isValidCloseCode } from '../protocol/close-codes.js';

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
  /** How long a close the endpoint starts may wait for the client's close frame. */
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
  report: HandshakeReport;
  openedAt: number;
  messages: number;
  closeTimer?: NodeJS.Timeout;
}

/** A PEM file that is not one (or a key that does not match) is the user's input error, not a crash. */
function createTlsServer(tls: { cert: Buffer; key: Buffer; clientCa?: Buffer }): Server {
  try {
    // With a client CA the handshake itself refuses a missing or foreign certificate, as an
    // mTLS ingress does (nginx ssl_verify_client on): the client sees the TLS alert.
    const mtls = tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {};
    return createHttpsServer({ cert: tls.cert, key: tls.key, ...mtls });
  } catch (e) {
    throw new InputError('ERR_BAD_TLS', `bad --tls-cert/--tls-key${tls.clientCa ? '/--tls-client-ca' : ''}: ${messageOf(e)}`);
  }
}

export async function startEcho(opts: EchoOptions = {}): Promise<EchoEndpoint> {
  const host = opts.host ?? DEFAULT_HOST;
  const name = opts.name ?? DEFAULT_ECHO_NAME;
  const path = opts.path ?? DEFAULT_ECHO_PATH;
  const log = opts.logger ?? silentLogger;
  const closeTimeoutMs = opts.closeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const accepted = opts.subprotocols ?? [];
  const conns = new Map<WebSocket, Conn>();

  const server: Server = opts.tls ? createTlsServer(opts.tls) : createHttpServer();
  // Never time out idle clients on our own (zrok's endpoint drops them at ~10 s): the path's
  // idle behaviour is what users come to measure.
  server.requestTimeout = 0;
  server.headersTimeout = Math.max(closeTimeoutMs * 2, 10_000);
  const sockets = new SocketSet().track(server);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxPayload ?? DEFAULT_MAX_PAYLOAD_BYTES,
    // Without no_context_takeover ws compresses every message however small (its 1 KiB threshold
    // only applies with it), which made a 64 B echo ~8x slower. Browsers accept the parameter.
    perMessageDeflate: { serverNoContextTakeover: true },
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
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
  });
  server.on('clientError', (err: Error, socket: Duplex) => {
    log.debug({ err: err.message }, 'malformed request');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  });

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
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

  function onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn: Conn = { report: buildReport(name, req, ws.protocol, ws.extensions), openedAt: performance.now(), messages: 0 };
    conns.set(ws, conn);
    log.info({ peer: conn.report.peer.address, url: req.url, subprotocol: ws.protocol || undefined }, 'open');
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(ws, conn, data as Buffer, isBinary));
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
    await listenUnix(server, opts.socketPath);
    url = `${scheme}+unix:${opts.socketPath}:${path}`;
  } else {
    port = await listen(server, host, opts.port ?? 0);
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
      await stopServer(server, sockets);
    },
  };
}
