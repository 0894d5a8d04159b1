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

/** Starts a test hop on its address; resolves once it listens. */
export async function startProxy(opts: ProxyOptions): Promise<TestProxy> {
  const proxy = new ProxyServer(opts);
  await proxy.listen();
  return proxy;
}

/**
 * One wstrace hop: an HTTP/1.1 and h2c front, http-proxy for plain requests and HTTP/1.1
 * upgrades, the h2 converter for the rest, and a Tunnel per upgraded connection. Handlers are
 * fields bound once per hop, never closures per connection: an idle tunnel's memory counts.
 */
class ProxyServer implements TestProxy {
  host: string;
  port = 0;
  name: string;
  readonly faults: HopFaults;
  readonly #opts: ProxyOptions;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #targets: Upstream[];
  #next = 0;
  readonly #upgrades = new Set<Upgrade>();
  readonly #byRequest = new WeakMap<IncomingMessage, Upgrade>();
  readonly #byUpstream = new WeakMap<Duplex, Upgrade>();
  readonly #proxy: httpProxy;
  readonly #server = createServer();
  readonly #sessions = new Set<Http2Session>();
  readonly #upstreamHttp: UpstreamHttp;
  readonly #converter: Converter;
  readonly #front: ReturnType<typeof createFront>;
  readonly #sockets: SocketSet;

  constructor(opts: ProxyOptions) {
    if (opts.targets.length === 0) throw new Error('startProxy needs at least one target');
    this.#opts = opts;
    this.host = opts.host ?? DEFAULT_HOST;
    this.#log = opts.logger ?? silentLogger;
    this.#timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const random = seededRandom(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.name = opts.name === undefined ? '' : parseName(opts.name, 'hop name');
    this.faults = new HopFaults(() => this.name, opts.faults ?? [], random, opts.onFaultChange);
    this.#targets = opts.targets.map(upstreamOf);
    this.#proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, changeOrigin: false, proxyTimeout: this.#timeoutMs });
    ownRequestDeadlines(this.#server, this.#timeoutMs);
    // Clients may speak HTTP/1.1 or h2c (prior knowledge) on the same port; WebSockets over h2
    // (extended CONNECT) and any upgrade bound for an h2 upstream go through the converter.
    // The SETTINGS are sent once per session: only the faults given at start-up can edit them.
    const h2Settings: { enableConnectProtocol?: boolean } = { enableConnectProtocol: true };
    for (const f of opts.faults ?? []) f.editH2Settings?.(h2Settings);
    const h2 = createH2Server({ settings: h2Settings });
    this.#upstreamHttp = opts.upstreamHttp ?? '1.1';
    const log = this.#log;
    this.#converter = new Converter({
      hop: () => this.name, upstreamHttp: this.#upstreamHttp, pickTarget: () => opts.targets[this.#next++ % opts.targets.length]!, timeoutMs: this.#timeoutMs, log,
      draw: () => this.faults.draw('upgrade'), attach: (tunnel, drawn) => this.faults.attach(tunnel, drawn, log),
      traceFrames: opts.traceFrames, onFrame: opts.onFrame,
    });
    h2.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.on('error', (err: Error) => log.debug({ err: err.message }, 'h2 client session error'));
      session.once('close', () => this.#sessions.delete(session));
    });
    h2.on('connect', (req: Http2ServerRequest, res: Http2ServerResponse) => this.#converter.fromH2(req, res));
    h2.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => this.#converter.plainFromH2(req, res));
    this.#front = createFront({ h1: this.#server, h2, sniffMs: this.#timeoutMs });
    this.#sockets = new SocketSet().track(this.#front);

    // ---- plain HTTP: forwarded with Via on the request and the response
    this.#proxy.on('proxyReq', (proxyReq: ClientRequest, req: IncomingMessage) => {
      proxyReq.setHeader('via', appendVia(req.headers.via, this.name, hasUpgradeHeaders(req.headers), req));
      if (opts.xfwd) for (const [k, v] of Object.entries(forwardedHeaders(req, false))) proxyReq.setHeader(k, v);
    });
    // The response's Via entry says what this hop saw of the request, like the request's does.
    this.#proxy.on('proxyRes', (proxyRes: IncomingMessage, req: IncomingMessage) => {
      proxyRes.headers.via = appendVia(proxyRes.headers.via, this.name, hasUpgradeHeaders(req.headers), req);
    });
    this.#server.on('request', this.#onRequest);
    // A CONNECT (someone using this hop as a forward proxy) would get a silent close from Node: say why.
    this.#server.on('connect', (req: IncomingMessage, client: Duplex) => {
      client.on('error', () => {});
      answerRaw(client, 405, this.name, `this hop forwards to its targets only: ${String(req.method)} is not supported`, { Allow: 'GET' });
    });
    // ---- upgrades: we own the client socket from the first byte
    this.#server.on('upgrade', this.#onUpgrade);
    this.#proxy.on('proxyReqWs', this.#onProxyReqWs);
    // Emitted right after http-proxy pipes the sockets, before any data flows: take the pipes over.
    this.#proxy.on('open', this.#onOpen);
    this.#proxy.on('error', (err: Error) => log.debug({ err: err.message }, 'proxy error'));
  }

  get url(): string {
    return this.#opts.socketPath ? `ws+unix:${this.#opts.socketPath}:/` : `ws://${formatHostPort(this.host, this.port)}`;
  }

  get active(): number {
    return this.#upgrades.size + this.#converter.active;
  }

  async listen(): Promise<void> {
    const opts = this.#opts;
    if (opts.socketPath) await listenUnix(this.#front, opts.socketPath);
    else this.port = await listen(this.#front, this.host, opts.port ?? 0);
    this.name ||= opts.socketPath ? `proxy-${basename(opts.socketPath)}` : `proxy-${this.port}`;
  }

  async close(): Promise<void> {
    for (const up of this.#upgrades) {
      up.tunnel?.destroy('proxy stopping');
      up.proxyReq?.destroy();
      up.client.destroy();
    }
    this.#converter.closeAll();
    for (const session of this.#sessions) session.close();
    this.#server.closeIdleConnections();
    await stopServer(this.#front, this.#sockets);
    this.#proxy.close();
  }

  #pickTarget(): Upstream {
    return this.#targets[this.#next++ % this.#targets.length]!;
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const log = this.#log;
    if (isLoop(this.name, req.headers.via)) return this.#loopAnswer(res);
    const ctx = this.#requestContext('http', req, (status, message) => this.#writeJson(res, status, message), () => holdSocket(req.socket));
    const faults = this.faults.draw('http');
    if (faults.some((e) => e.fault.onRequest?.(ctx) === 'handled')) return;
    const target = this.#pickTarget();
    this.#proxy.web(req, res, { target: target.request(req.url ?? '/') as never, ignorePath: true }, (err: Error) => {
      log.warn({ target: target.label, err: err.message }, 'upstream failed for plain request');
      if (!res.headersSent) this.#writeJson(res, errnoOf(err) === 'ECONNRESET' && /timeout|hang up/i.test(err.message) ? 504 : 502, `upstream ${target.label}: ${err.message}`);
      else res.destroy();
    });
  };

  // One function for every socket (not a closure per connection): an idle tunnel's memory counts.
  readonly #onClientError = (err: Error): void => this.#log.debug({ err: err.message }, 'client socket error');
  readonly #onUpstreamError = (err: Error): void => this.#log.debug({ err: err.message }, 'upstream socket error');

  readonly #onUpgrade = (req: IncomingMessage, client: Duplex, head: Buffer): void => {
    const log = this.#log;
    const name = this.name;
    // http-proxy adds no error listener until the upstream 101 (node-http-proxy #1468, #1439).
    client.on('error', this.#onClientError);
    const up: Upgrade = { url: req.url ?? '/', client, target: '', t0: performance.now(), faults: this.faults.draw('upgrade'), finished: false };
    this.#upgrades.add(up);
    // Made outside this handler: a closure made here would keep its whole scope (the request
    // among it) for the tunnel's life.
    client.once('close', this.#finishOnClose(up));
    if (isLoop(name, req.headers.via)) return this.#reject(up, 508, `Via already names "${name}": a loop, or two hops share this name (use --name)`);
    if (req.method !== 'GET') return this.#reject(up, 405, `WebSocket upgrades must use GET, got ${req.method}`);
    if (!headerTokens(req.headers.upgrade).includes('websocket')) {
      return this.#reject(up, 400, `unsupported Upgrade "${String(req.headers.upgrade)}": this hop forwards only websocket upgrades`);
    }
    // `same` keeps HTTP/1.1 upgrades on http-proxy below; only `2` converts them.
    if (this.#upstreamHttp === '2') {
      up.finished = true;
      this.#upgrades.delete(up);
      return this.#converter.fromH1(req, client, head);
    }
    const ctx = this.#requestContext('upgrade', req, (status, message) => this.#reject(up, status, message), () => this.#holdUpgrade(up));
    if (up.faults.some((e) => e.fault.onRequest?.(ctx) === 'handled')) return;
    const upstream = this.#pickTarget();
    up.target = upstream.label;
    const timeoutMs = this.#timeoutMs;
    // http-proxy's ws path sets no handshake deadline (#1223, #994): a hung upstream would hang the client.
    up.timer = setTimeout(() => {
      up.proxyReq?.destroy();
      this.#reject(up, 504, `upstream ${up.target} did not answer the upgrade within ${timeoutMs} ms`, { upstream: up.target, failure: 'handshake-timeout' });
    }, timeoutMs);
    this.#byRequest.set(req, up);
    this.#proxy.ws(req, client, head, { target: upstream.request(req.url ?? '/') as never, ignorePath: true }, (err: Error) => {
      if (up.finished) return;
      log.warn({ target: up.target, err: err.message }, 'upstream failed for upgrade');
      // http-proxy would end() the socket and leak it (#1510); we answer and destroy.
      if (up.status === undefined) this.#reject(up, 502, `upstream ${up.target}: ${messageOf(err)}`, { upstream: up.target, ...upstreamFailure(err) });
      else this.#finish(up, `upstream error: ${err.message}`);
    });
  };

  readonly #onProxyReqWs = (proxyReq: ClientRequest, req: IncomingMessage): void => {
    const up = this.#byRequest.get(req);
    if (!up) return;
    const log = this.#log;
    const name = this.name;
    const timeoutMs = this.#timeoutMs;
    up.proxyReq = proxyReq;
    proxyReq.setHeader('via', appendVia(req.headers.via, name, hasUpgradeHeaders(req.headers), req));
    if (this.#opts.xfwd) for (const [k, v] of Object.entries(forwardedHeaders(req, false))) proxyReq.setHeader(k, v);
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
      this.#byUpstream.set(upstream, up);
      upstream.on('error', this.#onUpstreamError);
    });
  };

  readonly #onOpen = (upstream: Duplex): void => {
    const up = this.#byUpstream.get(upstream);
    this.#byUpstream.delete(upstream);
    if (!up || up.finished) {
      upstream.destroy();
      return;
    }
    const log = this.#log;
    adopt(up, upstream);
    const tunnel = new Tunnel(up.client, upstream, this.#timeoutMs);
    up.tunnel = tunnel;
    log.info({ target: up.target, url: up.url, ms: ms(up) }, 'upgrade 101');
    this.faults.attach(tunnel, up.faults, log);
    // After the faults: the tap sits on the client's side of them (what the client sent and got).
    if (this.#opts.traceFrames) addFrameTap(tunnel, this.name, log, this.#opts.onFrame);
    tunnel.once('closed', (stats) => {
      log.info({ target: up.target, ...stats }, 'tunnel closed');
      this.#finish(up, stats.reason);
    });
    tunnel.start();
  };

  #requestContext(kind: 'upgrade' | 'http', req: IncomingMessage, answer: (s: number, m: string) => void, hold: () => void): RequestContext {
    return { hop: this.name, kind, req, log: this.#log, answer, hold };
  }

  #reject(up: Upgrade, status: number, message: string, fields: Record<string, unknown> = {}): void {
    clearTimeout(up.timer);
    if (up.finished) return;
    up.status = status;
    this.#log.info({ status, message, ms: ms(up) }, 'upgrade answered by this hop');
    answerRaw(up.client, status, this.name, message, { Via: appendVia(undefined, this.name, true) }, fields);
    this.#finish(up, `answered ${status}`);
  }

  #finishOnClose(up: Upgrade): () => void {
    return () => this.#finish(up, 'client closed');
  }

  #finish(up: Upgrade, reason: string): void {
    if (up.finished) return;
    clearTimeout(up.timer);
    // A rejected socket is closing itself via answerRaw; only forget it once it is gone.
    if (up.client.closed || up.client.destroyed || reason === 'client closed') {
      up.finished = true;
      this.#upgrades.delete(up);
      up.proxyReq?.destroy();
      up.tunnel?.destroy(reason);
      if (!up.client.destroyed) up.client.destroy();
    } else {
      up.client.once('close', () => this.#finish(up, reason));
    }
  }

  #loopAnswer(res: ServerResponse): void {
    this.#writeJson(res, 508, `Via already names "${this.name}": a loop, or two hops share this name (use --name)`);
  }

  #writeJson(res: ServerResponse, status: number, message: string): void {
    const body = JSON.stringify({ error: 'wstrace hop', hop: this.name, message }) + '\n';
    res.writeHead(status, { 'Content-Type': 'application/json', [HOP_HEADER]: this.name, Via: appendVia(undefined, this.name, false) }).end(body);
  }

  /**
   * Keeps an upgrade unanswered until the client leaves. After 'upgrade' nobody reads the socket,
   * and a socket nobody reads never learns of the client's FIN or RST: read (and drop) what it
   * sends, so its leaving is seen and the socket freed.
   */
  #holdUpgrade(up: Upgrade): void {
    this.#log.info({ url: up.url }, 'holding upgrade without answering (fault)');
    up.client.on('data', () => {});
    up.client.once('end', () => up.client.destroy());
  }
}

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

function holdSocket(socket: Socket): void {
  socket.on('error', () => {});
}

function ms(up: Upgrade): number {
  return Math.round(performance.now() - up.t0);
}
