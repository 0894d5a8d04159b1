import { createServer, type IncomingMessage, type ServerResponse, type ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { DEFAULT_HOST, DEFAULT_TIMEOUT_MS, HOP_HEADER } from '../constants.js';
import { messageOf, errnoOf } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { basename } from 'node:path';
import { listen, listenUnix } from '../net/listen.js';
import { SocketSet, stopServer } from '../net/sockets.js';
import { formatHostPort, type WsTarget } from '../net/url.js';
import { upstreamOf, type Upstream } from './upstream.js';
import { hasUpgradeHeaders } from '../protocol/upgrade-check.js';
import { headerTokens } from '../net/header.js';
import { answerRaw, upstreamFailure } from './answer.js';
import { appendVia, forwardedHeaders, isLoop } from './hop-headers.js';
import { Tunnel } from './tunnel.js';
import type { Fault, RequestContext } from './faults/fault.js';
import { addFrameTap, type FrameEvent } from './frame-log.js';

export interface ProxyOptions {
  targets: WsTarget[];
  host?: string;
  port?: number;
  /** Listen on this unix socket instead of host:port. */
  socketPath?: string | undefined;
  /** The hop's name in Via; default `proxy-<port>`. */
  name?: string;
  faults?: Fault[];
  xfwd?: boolean;
  traceFrames?: boolean;
  /** With traceFrames: every frame this hop sees, as a structured event. */
  onFrame?: (ev: FrameEvent) => void;
  /** How long the upstream may take to answer an upgrade (and a plain request) before we answer 504. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface TestProxy {
  url: string;
  host: string;
  port: number;
  name: string;
  /** Open tunnels plus upgrades in flight. */
  readonly active: number;
  close(): Promise<void>;
}

/** One upgrade from arrival to tunnel close: the owner of the client socket and its timer. */
interface Upgrade {
  url: string;
  client: Duplex;
  target: string;
  t0: number;
  timer?: NodeJS.Timeout;
  status?: number;
  proxyReq?: ClientRequest;
  tunnel?: Tunnel;
  finished: boolean;
}

export async function startProxy(opts: ProxyOptions): Promise<TestProxy> {
  if (opts.targets.length === 0) throw new Error('startProxy needs at least one target');
  const host = opts.host ?? DEFAULT_HOST;
  const log = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const faults = opts.faults ?? [];
  const targets = opts.targets.map(upstreamOf);
  let next = 0;
  const pickTarget = (): Upstream => targets[next++ % targets.length]!;
  let name = opts.name ?? '';
  const upgrades = new Set<Upgrade>();
  const byRequest = new WeakMap<IncomingMessage, Upgrade>();
  const byUpstream = new WeakMap<Duplex, Upgrade>();

  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, changeOrigin: false, proxyTimeout: timeoutMs });
  const server = createServer();
  server.requestTimeout = 0;
  const sockets = new SocketSet().track(server);

  // ---- plain HTTP: forwarded with Via on the request and the response
  proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
    proxyReq.setHeader('via', appendVia(req.headers.via, name, hasUpgradeHeaders(req.headers), req));
    if (opts.xfwd) for (const [k, v] of Object.entries(forwardedHeaders(req, false))) proxyReq.setHeader(k, v);
  });
  // The response's Via entry says what this hop saw of the request, like the request's does.
  proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage) => {
    proxyRes.headers.via = appendVia(proxyRes.headers.via, name, hasUpgradeHeaders(req.headers), req);
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isLoop(name, req.headers.via)) return loopAnswer(res);
    const ctx = requestContext('http', req, (status, message) => writeJson(res, status, message), () => holdSocket(req.socket));
    if (faults.some((f) => f.onRequest?.(ctx) === 'handled')) return;
    const target = pickTarget();
    proxy.web(req, res, { target: target.request(req.url ?? '/') as never, ignorePath: true }, (err: Error) => {
      log.warn({ target: target.label, err: err.message }, 'upstream failed for plain request');
      if (!res.headersSent) writeJson(res, errnoOf(err) === 'ECONNRESET' && /timeout|hang up/i.test(err.message) ? 504 : 502, `upstream ${target.label}: ${err.message}`);
      else res.destroy();
    });
  });

  // ---- upgrades: we own the client socket from the first byte
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    // http-proxy adds no error listener until the upstream 101 (node-http-proxy #1468, #1439).
    client.on('error', (err: Error) => log.debug({ err: err.message }, 'client socket error'));
    const up: Upgrade = { url: req.url ?? '/', client, target: '', t0: performance.now(), finished: false };
    upgrades.add(up);
    client.once('close', () => finish(up, 'client closed'));
    if (isLoop(name, req.headers.via)) return reject(up, 508, `Via already names "${name}": a loop, or two hops share this name (use --name)`);
    if (req.method !== 'GET') return reject(up, 405, `WebSocket upgrades must use GET, got ${req.method}`);
    if (!headerTokens(req.headers.upgrade).includes('websocket')) {
      return reject(up, 400, `unsupported Upgrade "${String(req.headers.upgrade)}": this hop forwards only websocket upgrades`);
    }
    const ctx = requestContext('upgrade', req, (status, message) => reject(up, status, message), () => log.info({ url: req.url }, 'holding upgrade without answering (fault)'));
    if (faults.some((f) => f.onRequest?.(ctx) === 'handled')) return;
    const upstream = pickTarget();
    up.target = upstream.label;
    // http-proxy's ws path sets no handshake deadline (#1223, #994): a hung upstream would hang the client.
    up.timer = setTimeout(() => {
      up.proxyReq?.destroy();
      reject(up, 504, `upstream ${up.target} did not answer the upgrade within ${timeoutMs} ms`, { upstream: up.target, failure: 'handshake-timeout' });
    }, timeoutMs);
    byRequest.set(req, up);
    proxy.ws(req, client, head, { target: upstream.request(req.url ?? '/') as never, ignorePath: true }, (err: Error) => {
      if (up.finished) return;
      log.warn({ target: up.target, err: err.message }, 'upstream failed for upgrade');
      // http-proxy would end() the socket and leak it (#1510); we answer and destroy.
      if (up.status === undefined) reject(up, 502, `upstream ${up.target}: ${messageOf(err)}`, { upstream: up.target, ...upstreamFailure(err) });
      else finish(up, `upstream error: ${err.message}`);
    });
  });

  proxy.on('proxyReqWs', (proxyReq: ClientRequest, req: IncomingMessage) => {
    const up = byRequest.get(req);
    if (!up) return;
    up.proxyReq = proxyReq;
    proxyReq.setHeader('via', appendVia(req.headers.via, name, hasUpgradeHeaders(req.headers), req));
    if (opts.xfwd) for (const [k, v] of Object.entries(forwardedHeaders(req, false))) proxyReq.setHeader(k, v);
    for (const f of faults) f.editUpgradeRequest?.(proxyReq, req);
    // Registered before http-proxy's own listeners, so these run first and can edit the headers it writes.
    proxyReq.on('response', (res: IncomingMessage) => {
      clearTimeout(up.timer);
      up.status = res.statusCode;
      res.headers.via = appendVia(res.headers.via, name, true, req);
      // http-proxy 1.18.1 re-sends the upstream's head verbatim but pipes the *decoded* body:
      // a chunked 404 (nginx, FastAPI) would reach the client as garbage chunk sizes. Send the
      // body as-is and delimit it by closing, which is what HTTP/1.1 allows without a length.
      if (res.headers['transfer-encoding']) {
        delete res.headers['transfer-encoding'];
        res.headers.connection = 'close';
      }
      log.info({ target: up.target, status: res.statusCode, ms: ms(up) }, 'upgrade refused upstream');
    });
    proxyReq.on('upgrade', (res: IncomingMessage, upstream: Socket) => {
      clearTimeout(up.timer);
      up.status = 101;
      res.headers.via = appendVia(res.headers.via, name, true, req);
      for (const f of faults) f.editUpgradeResponse?.(res.headers);
      byUpstream.set(upstream, up);
      upstream.on('error', (err: Error) => log.debug({ err: err.message }, 'upstream socket error'));
    });
  });

  // Emitted right after http-proxy pipes the sockets, before any data flows: take the pipes over.
  proxy.on('open', (upstream: Duplex) => {
    const up = byUpstream.get(upstream);
    if (!up || up.finished) {
      upstream.destroy();
      return;
    }
    const tunnel = new Tunnel(up.client, upstream);
    up.tunnel = tunnel;
    log.info({ target: up.target, url: up.url, ms: ms(up) }, 'upgrade 101');
    // The tunnel owns both sockets now; holding the request objects for the tunnel's whole life
    // cost ~3 KiB per idle tunnel (bench: memory per proxied connection).
    up.proxyReq = undefined;
    for (const f of faults) f.onTunnel?.(tunnel, { hop: name, log });
    // After the faults: the tap sits on the client's side of them (what the client sent and got).
    if (opts.traceFrames) addFrameTap(tunnel, name, log, opts.onFrame);
    tunnel.once('closed', (stats) => {
      log.info({ target: up.target, ...stats }, 'tunnel closed');
      finish(up, stats.reason);
    });
    tunnel.start();
  });
  proxy.on('error', (err: Error) => log.debug({ err: err.message }, 'proxy error'));

  function requestContext(kind: 'upgrade' | 'http', req: IncomingMessage, answer: (s: number, m: string) => void, hold: () => void): RequestContext {
    return { hop: name, kind, req, log, answer, hold };
  }

  function reject(up: Upgrade, status: number, message: string, fields: Record<string, unknown> = {}): void {
    clearTimeout(up.timer);
    if (up.finished) return;
    up.status = status;
    log.info({ status, message, ms: ms(up) }, 'upgrade answered by this hop');
    answerRaw(up.client, status, name, message, { Via: appendVia(undefined, name, true) }, fields);
    finish(up, `answered ${status}`);
  }

  function finish(up: Upgrade, reason: string): void {
    if (up.finished) return;
    clearTimeout(up.timer);
    // A rejected socket is closing itself via answerRaw; only forget it once it is gone.
    if (up.client.closed || up.client.destroyed || reason === 'client closed') {
      up.finished = true;
      upgrades.delete(up);
      up.proxyReq?.destroy();
      up.tunnel?.destroy(reason);
      if (!up.client.destroyed) up.client.destroy();
    } else {
      up.client.once('close', () => finish(up, reason));
    }
  }

  function loopAnswer(res: ServerResponse): void {
    writeJson(res, 508, `Via already names "${name}": a loop, or two hops share this name (use --name)`);
  }

  function writeJson(res: ServerResponse, status: number, message: string): void {
    const body = JSON.stringify({ error: 'wstrace hop', hop: name, message }) + '\n';
    res.writeHead(status, { 'Content-Type': 'application/json', [HOP_HEADER]: name, Via: appendVia(undefined, name, false) }).end(body);
  }

  function holdSocket(socket: Socket): void {
    socket.on('error', () => {});
  }

  function ms(up: Upgrade): number {
    return Math.round(performance.now() - up.t0);
  }

  let port = 0;
  if (opts.socketPath) await listenUnix(server, opts.socketPath);
  else port = await listen(server, host, opts.port ?? 0);
  name ||= opts.socketPath ? `proxy-${basename(opts.socketPath)}` : `proxy-${port}`;
  return {
    url: opts.socketPath ? `ws+unix:${opts.socketPath}:/` : `ws://${formatHostPort(host, port)}`,
    host,
    port,
    name,
    get active() {
      return upgrades.size;
    },
    async close() {
      for (const up of upgrades) {
        up.tunnel?.destroy('proxy stopping');
        up.proxyReq?.destroy();
        up.client.destroy();
      }
      await stopServer(server, sockets);
      proxy.close();
    },
  };
}
