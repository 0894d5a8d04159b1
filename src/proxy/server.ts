import { createServer, type IncomingMessage, type ServerResponse, type ClientRequest } from 'node:http';
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { DEFAULT_HOST, DEFAULT_TIMEOUT_MS, HOP_HEADER } from '../constants.js';
import { messageOf, errnoOf } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { basename } from 'node:path';
import { listen, listenUnix, ownRequestDeadlines } from '../net/listen.js';
import { SocketSet, stopServer } from '../net/sockets.js';
import { createFront } from '../net/front.js';
import { Converter, type UpstreamHttp } from './h2.js';
import { formatHostPort, type WsTarget } from '../net/url.js';
import { upstreamOf, type Upstream } from './upstream.js';
import { hasUpgradeHeaders } from '../protocol/upgrade-check.js';
import { headerTokens, parseName } from '../net/header.js';
import { answerRaw, upstreamFailure } from './answer.js';
import { appendVia, forwardedHeaders, isLoop } from './hop-headers.js';
import { Tunnel } from './tunnel.js';
import type { Fault, RequestContext } from './faults/fault.js';
import { seededRandom } from './faults/random.js';
import { HopFaults, type Drawn, type FaultChange } from './hop-faults.js';
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
  /** Seed for toxicity draws (replayable runs); default: a random one. */
  seed?: number;
  /** Every change to this hop's faults (control API or library), as an event. */
  onFaultChange?: (change: FaultChange) => void;
  xfwd?: boolean;
  traceFrames?: boolean;
  /** With traceFrames: every frame this hop sees, as a structured event. */
  onFrame?: (ev: FrameEvent) => void;
  /** HTTP version spoken upstream: '1.1' (default, via http-proxy), '2' (extended CONNECT, RFC 8441), or 'same' as the client's. */
  upstreamHttp?: UpstreamHttp;
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
  /** This hop's faults: list, add, update, remove while traffic flows; per-hop counters. */
  readonly faults: HopFaults;
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
  /** The upstream socket's 'end' listeners before http-proxy added its own (see `adopt`). */
  upstreamEnds?: Function[];
  tunnel?: Tunnel;
  /** The faults drawn for this connection when its request arrived. */
  faults: Drawn;
  finished: boolean;
}

export async function startProxy(opts: ProxyOptions): Promise<TestProxy> {
  if (opts.targets.length === 0) throw new Error('startProxy needs at least one target');
  const host = opts.host ?? DEFAULT_HOST;
  const log = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
  const control = new HopFaults(() => name, opts.faults ?? [], random, opts.onFaultChange);
  const targets = opts.targets.map(upstreamOf);
  let next = 0;
  const pickTarget = (): Upstream => targets[next++ % targets.length]!;
  let name = opts.name === undefined ? '' : parseName(opts.name, 'hop name');
  const upgrades = new Set<Upgrade>();
  const byRequest = new WeakMap<IncomingMessage, Upgrade>();
  const byUpstream = new WeakMap<Duplex, Upgrade>();

  const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, changeOrigin: false, proxyTimeout: timeoutMs });
  const server = createServer();
  ownRequestDeadlines(server, timeoutMs);
  // Clients may speak HTTP/1.1 or h2c (prior knowledge) on the same port; WebSockets over h2
  // (extended CONNECT) and any upgrade bound for an h2 upstream go through the converter.
  // The SETTINGS are sent once per session: only the faults given at start-up can edit them.
  const h2Settings: { enableConnectProtocol?: boolean } = { enableConnectProtocol: true };
  for (const f of opts.faults ?? []) f.editH2Settings?.(h2Settings);
  const h2 = createH2Server({ settings: h2Settings });
  const sessions = new Set<Http2Session>();
  const upstreamHttp = opts.upstreamHttp ?? '1.1';
  const converter = new Converter({
    hop: () => name, upstreamHttp, pickTarget: () => opts.targets[next++ % opts.targets.length]!, timeoutMs, log,
    draw: () => control.draw('upgrade'), attach: (tunnel, drawn) => control.attach(tunnel, drawn, log),
    traceFrames: opts.traceFrames, onFrame: opts.onFrame,
  });
  h2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('error', (err: Error) => log.debug({ err: err.message }, 'h2 client session error'));
    session.once('close', () => sessions.delete(session));
  });
  h2.on('connect', (req: Http2ServerRequest, res: Http2ServerResponse) => converter.fromH2(req, res));
  h2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => converter.plainFromH2(req, res));
  const front = createFront({ h1: server, h2, sniffMs: timeoutMs });
  const sockets = new SocketSet().track(front);

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
    const faults = control.draw('http');
    if (faults.some((e) => e.fault.onRequest?.(ctx) === 'handled')) return;
    const target = pickTarget();
    proxy.web(req, res, { target: target.request(req.url ?? '/') as never, ignorePath: true }, (err: Error) => {
      log.warn({ target: target.label, err: err.message }, 'upstream failed for plain request');
      if (!res.headersSent) writeJson(res, errnoOf(err) === 'ECONNRESET' && /timeout|hang up/i.test(err.message) ? 504 : 502, `upstream ${target.label}: ${err.message}`);
      else res.destroy();
    });
  });

  // A CONNECT (someone using this hop as a forward proxy) would get a silent close from Node: say why.
  server.on('connect', (req: IncomingMessage, client: Duplex) => {
    client.on('error', () => {});
    answerRaw(client, 405, name, `this hop forwards to its targets only: ${String(req.method)} is not supported`, { Allow: 'GET' });
  });

  // ---- upgrades: we own the client socket from the first byte
  // One function for every socket (not a closure per connection): an idle tunnel's memory counts.
  const onClientError = (err: Error) => log.debug({ err: err.message }, 'client socket error');
  const onUpstreamError = (err: Error) => log.debug({ err: err.message }, 'upstream socket error');

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    // http-proxy adds no error listener until the upstream 101 (node-http-proxy #1468, #1439).
    client.on('error', onClientError);
    const up: Upgrade = { url: req.url ?? '/', client, target: '', t0: performance.now(), faults: control.draw('upgrade'), finished: false };
    upgrades.add(up);
    // Made outside this handler: a closure made here would keep its whole scope (the request
    // among it) for the tunnel's life.
    client.once('close', finishOnClose(up));
    if (isLoop(name, req.headers.via)) return reject(up, 508, `Via already names "${name}": a loop, or two hops share this name (use --name)`);
    if (req.method !== 'GET') return reject(up, 405, `WebSocket upgrades must use GET, got ${req.method}`);
    if (!headerTokens(req.headers.upgrade).includes('websocket')) {
      return reject(up, 400, `unsupported Upgrade "${String(req.headers.upgrade)}": this hop forwards only websocket upgrades`);
    }
    // `same` keeps HTTP/1.1 upgrades on http-proxy below; only `2` converts them.
    if (upstreamHttp === '2') {
      up.finished = true;
      upgrades.delete(up);
      return converter.fromH1(req, client, head);
    }
    const ctx = requestContext('upgrade', req, (status, message) => reject(up, status, message), () => holdUpgrade(up));
    if (up.faults.some((e) => e.fault.onRequest?.(ctx) === 'handled')) return;
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
    for (const { fault } of up.faults) fault.editUpgradeRequest?.(proxyReq, req);
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
      // http-proxy pipes the body with no deadline: an upstream whose body stalls would hold
      // both sockets. Give it --timeout between bytes, then cut; the client sees the truncation.
      const stalled = setTimeout(() => {
        log.warn({ target: up.target, status: res.statusCode }, `upstream's ${res.statusCode} body stalled for ${timeoutMs} ms: closing both sides`);
        res.destroy();
        up.client.destroy();
      }, timeoutMs);
      res.on('data', () => stalled.refresh());
      res.once('close', () => clearTimeout(stalled));
    });
    proxyReq.on('upgrade', (res: IncomingMessage, upstream: Socket) => {
      clearTimeout(up.timer);
      up.timer = undefined;
      up.status = 101;
      up.upstreamEnds = upstream.listeners('end');
      res.headers.via = appendVia(res.headers.via, name, true, req);
      for (const { fault } of up.faults) fault.editUpgradeResponse?.(res.headers);
      byUpstream.set(upstream, up);
      upstream.on('error', onUpstreamError);
    });
  });

  // Emitted right after http-proxy pipes the sockets, before any data flows: take the pipes over.
  proxy.on('open', (upstream: Duplex) => {
    const up = byUpstream.get(upstream);
    byUpstream.delete(upstream);
    if (!up || up.finished) {
      upstream.destroy();
      return;
    }
    adopt(up, upstream);
    const tunnel = new Tunnel(up.client, upstream, timeoutMs);
    up.tunnel = tunnel;
    log.info({ target: up.target, url: up.url, ms: ms(up) }, 'upgrade 101');
    control.attach(tunnel, up.faults, log);
    // After the faults: the tap sits on the client's side of them (what the client sent and got).
    if (opts.traceFrames) addFrameTap(tunnel, name, log, opts.onFrame);
    tunnel.once('closed', (stats) => {
      log.info({ target: up.target, ...stats }, 'tunnel closed');
      finish(up, stats.reason);
    });
    tunnel.start();
  });
  proxy.on('error', (err: Error) => log.debug({ err: err.message }, 'proxy error'));

  /**
   * After the 101 the tunnel owns both sockets, and nothing of the request may outlive it: an
   * idle tunnel should cost its two sockets. http-proxy leaves three listeners behind that hold
   * its request, our IncomingMessage and the upstream's 101 response for the tunnel's whole
   * life (an 'error' and an 'end' on the upstream socket, an 'error' on the client's); our own
   * pre-tunnel error listeners go too, as the tunnel adds its own. http-proxy's pipes are
   * undone by the tunnel.
   */
  function adopt(up: Upgrade, upstream: Duplex): void {
    up.client.removeAllListeners('error');
    upstream.removeAllListeners('error');
    const keep = new Set(up.upstreamEnds);
    for (const fn of upstream.listeners('end')) if (!keep.has(fn as Function)) upstream.off('end', fn as (...a: unknown[]) => void);
    up.upstreamEnds = undefined;
    up.proxyReq = undefined;
  }

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

  function finishOnClose(up: Upgrade): () => void {
    return () => finish(up, 'client closed');
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

  /**
   * Keeps an upgrade unanswered until the client leaves. After 'upgrade' nobody reads the socket,
   * and a socket nobody reads never learns of the client's FIN or RST: read (and drop) what it
   * sends, so its leaving is seen and the socket freed.
   */
  function holdUpgrade(up: Upgrade): void {
    log.info({ url: up.url }, 'holding upgrade without answering (fault)');
    up.client.on('data', () => {});
    up.client.once('end', () => up.client.destroy());
  }

  function holdSocket(socket: Socket): void {
    socket.on('error', () => {});
  }

  function ms(up: Upgrade): number {
    return Math.round(performance.now() - up.t0);
  }

  let port = 0;
  if (opts.socketPath) await listenUnix(front, opts.socketPath);
  else port = await listen(front, host, opts.port ?? 0);
  name ||= opts.socketPath ? `proxy-${basename(opts.socketPath)}` : `proxy-${port}`;
  return {
    url: opts.socketPath ? `ws+unix:${opts.socketPath}:/` : `ws://${formatHostPort(host, port)}`,
    host,
    port,
    name,
    get active() {
      return upgrades.size + converter.active;
    },
    faults: control,
    async close() {
      for (const up of upgrades) {
        up.tunnel?.destroy('proxy stopping');
        up.proxyReq?.destroy();
        up.client.destroy();
      }
      converter.closeAll();
      for (const session of sessions) session.close();
      server.closeIdleConnections();
      await stopServer(front, sockets);
      proxy.close();
    },
  };
}
