import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { listen } from '../net/listen.js';
import { formatHostPort } from '../net/url.js';
import type { Drop, HandshakeRecord, Limit } from './types.js';

/** Every wait is ours: a scraper that stalls is cut off, not waited on. */
const SCRAPE_DEADLINE_MS = 5_000;
/** Handshake seconds: loopback (sub-ms) to a slow TLS path across the world. */
const HANDSHAKE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Connection age at drop, seconds: idle timeouts and lifetimes from seconds to a day. */
const AGE_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

/**
 * The watch as Prometheus metrics (prom-client, a private registry: nothing global, no default
 * process metrics unless they matter). Label values come from fixed sets (pattern, cause, kind),
 * so the number of series is bounded however long the watch runs.
 */
export class WatchMetrics {
  readonly registry = new Registry();
  readonly #handshakeSeconds = new Histogram({
    name: 'wstrace_watch_handshake_duration_seconds', help: 'Opening handshake (resolve, connect, TLS, upgrade) that succeeded, seconds',
    buckets: HANDSHAKE_BUCKETS, registers: [this.registry],
  });
  readonly #handshakes = new Counter({
    name: 'wstrace_watch_handshakes_total', help: 'Opening handshakes by result', labelNames: ['result'] as const, registers: [this.registry],
  });
  readonly #drops = new Counter({
    name: 'wstrace_watch_drops_total', help: 'Held connections dropped, by cause and traffic pattern', labelNames: ['cause', 'pattern'] as const, registers: [this.registry],
  });
  readonly #ageAtDrop = new Histogram({
    name: 'wstrace_watch_connection_age_at_drop_seconds', help: 'Age of a held connection when it dropped, seconds',
    labelNames: ['pattern'] as const, buckets: AGE_BUCKETS, registers: [this.registry],
  });
  readonly #open = new Gauge({ name: 'wstrace_watch_open_connections', help: 'Held connections open now', registers: [this.registry] });
  readonly #limit = new Gauge({
    name: 'wstrace_watch_limit_seconds', help: 'A limit of the path inferred from the drops, seconds', labelNames: ['kind'] as const, registers: [this.registry],
  });
  #server: Server | undefined;

  handshake(h: HandshakeRecord): void {
    this.#handshakes.inc({ result: h.ok ? 'ok' : 'failed' });
    if (h.ok) this.#handshakeSeconds.observe(h.ms / 1000);
  }

  drop(d: Drop): void {
    this.#drops.inc({ cause: d.cause, pattern: d.pattern });
    this.#ageAtDrop.observe({ pattern: d.pattern }, d.ageMs / 1000);
  }

  open(n: number): void {
    this.#open.set(n);
  }

  limit(l: Limit): void {
    this.#limit.set({ kind: l.kind }, l.value);
  }

  /** Serves GET /metrics; resolves with its URL. */
  async serve(host: string, port: number): Promise<string> {
    const server = createServer(this.#onRequest);
    server.requestTimeout = SCRAPE_DEADLINE_MS;
    server.headersTimeout = SCRAPE_DEADLINE_MS;
    server.keepAliveTimeout = SCRAPE_DEADLINE_MS;
    const bound = await listen(server, host, port);
    this.#server = server;
    return `http://${formatHostPort(host, bound)}/metrics`;
  }

  close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  readonly #onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    this.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  };
}
