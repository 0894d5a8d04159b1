import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { API_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS } from '../constants.js';
import { InputError, messageOf } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { listen } from '../net/listen.js';
import { SocketSet, stopServer } from '../net/sockets.js';
import { formatHostPort } from '../net/url.js';
import type { FaultOptions } from '../proxy/hop-faults.js';
import type { HopHandle } from './types.js';
import { isRecord } from '../guards.js';

export interface ControlApiOptions {
  /** The hops served, outermost first. */
  hops: HopHandle[];
  host: string;
  port: number;
  /** Deadline for each request (headers and body) and for an idle keep-alive socket. */
  timeoutMs?: number;
  logger?: Logger;
}

export interface ControlApi {
  /** `http://host:port`, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

/** A request the API refuses: one line, sent as `{"error": message}` with this status. */
class ApiRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const BODY_FIELDS = ['spec', 'name', 'stream', 'toxicity'];

/**
 * The control API: JSON over HTTP, toxiproxy-style (docs/api-faults.md has every route).
 *
 *   GET    /hops                        every hop: faults and counters
 *   GET    /hops/NAME                   one hop
 *   GET    /hops/NAME/faults            its faults
 *   POST   /hops/NAME/faults            {spec, name?, stream?, toxicity?} → 201 the fault
 *   GET    /hops/NAME/faults/FAULT      one fault
 *   PUT    /hops/NAME/faults/FAULT      {spec?, stream?, toxicity?}: replace in place
 *   DELETE /hops/NAME/faults/FAULT      remove
 *   POST   /hops/NAME/reset             remove every fault of that hop
 *   POST   /reset                       remove every fault of every hop
 *
 * A bad request (malformed JSON, unknown hop or fault, bad spec or attribute) is a 400 with a
 * one-line reason; nothing a client sends can throw out of a handler. Every socket has a deadline.
 */
export async function startControlApi(opts: ControlApiOptions): Promise<ControlApi> {
  const log = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const server = createServer((req, res) => {
    handle(req).then(
      ([status, body]) => send(res, status, body),
      (err: unknown) => {
        if (err instanceof ApiRefusal) return send(res, err.status, { error: err.message });
        if (err instanceof InputError) return send(res, 400, { error: err.message });
        log.warn({ err: messageOf(err), url: req.url }, 'control API: request failed');
        send(res, 500, { error: `internal error: ${messageOf(err).split('\n')[0]}` });
      },
    );
  });
  // Node's defaults (300 s per request, keep-alive 5 s) must not stand in for our deadline.
  server.requestTimeout = timeoutMs;
  server.headersTimeout = timeoutMs;
  server.keepAliveTimeout = Math.min(timeoutMs, 5_000);
  server.on('connection', (socket: Socket) => socket.setTimeout(timeoutMs, () => socket.destroy()));
  const sockets = new SocketSet().track(server);

  async function handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', 'http://api');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const route = `${method} /${parts.map((p, i) => (i % 2 === 1 ? ':' : p)).join('/')}`;
    switch (route) {
      case 'GET /':
      case 'GET /hops':
        return [200, { hops: await Promise.all(opts.hops.map((h) => h.info())) }];
      case 'POST /reset': {
        const removed: Record<string, string[]> = {};
        for (const h of opts.hops) removed[h.name] = await h.reset();
        return [200, { removed }];
      }
      case 'GET /hops/:':
        return [200, await hop(parts[1]!).info()];
      case 'GET /hops/:/counters':
        return [200, await hop(parts[1]!).counters()];
      case 'POST /hops/:/reset':
        return [200, { removed: await hop(parts[1]!).reset() }];
      case 'GET /hops/:/faults':
        return [200, { faults: await hop(parts[1]!).faults() }];
      case 'POST /hops/:/faults': {
        const h = hop(parts[1]!);
        const { spec, ...attrs } = await body(req);
        if (typeof spec !== 'string' || !spec.trim()) throw new ApiRefusal(400, 'the body needs "spec": a fault spec such as "latency=300ms"');
        return [201, await h.addFault(spec, attrs as FaultOptions)];
      }
      case 'GET /hops/:/faults/:': {
        const list = await hop(parts[1]!).faults();
        const f = list.find((x) => x.name === parts[3]);
        if (!f) throw new ApiRefusal(400, `hop "${parts[1]}" has no fault named "${parts[3]}"`);
        return [200, f];
      }
      case 'PUT /hops/:/faults/:':
      case 'PATCH /hops/:/faults/:': {
        const h = hop(parts[1]!);
        const { spec, ...attrs } = await body(req);
        if (spec !== undefined && (typeof spec !== 'string' || !spec.trim())) throw new ApiRefusal(400, '"spec" must be a fault spec such as "latency=300ms"');
        return [200, await h.updateFault(parts[3]!, { ...(attrs as FaultOptions), ...(spec !== undefined ? { spec: spec as string } : {}) })];
      }
      case 'DELETE /hops/:/faults/:':
        return [200, await hop(parts[1]!).removeFault(parts[3]!)];
      default:
        throw new ApiRefusal(404, `no route ${method} ${url.pathname} (see GET /hops; docs/api-faults.md lists the routes)`);
    }
  }

  function hop(name: string): HopHandle {
    const h = opts.hops.find((x) => x.name === name);
    if (!h) throw new ApiRefusal(400, `unknown hop "${name}": this API serves ${opts.hops.map((x) => x.name).join(', ')}`);
    return h;
  }

  const port = await listen(server, opts.host, opts.port);
  let closing: Promise<void> | undefined;
  return { url: `http://${formatHostPort(opts.host, port)}`, close: () => (closing ??= stopServer(server, sockets)) };
}

/** The JSON object in the request body; every problem with it is a one-line 400 (413 when too big). */
async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > API_MAX_BODY_BYTES) throw new ApiRefusal(413, `body over ${API_MAX_BODY_BYTES} B: a fault spec is a short JSON object`);
    chunks.push(c);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) throw new ApiRefusal(400, 'empty body: send a JSON object such as {"spec": "latency=300ms", "stream": "down"}');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ApiRefusal(400, `malformed JSON: ${messageOf(e).split('\n')[0]}`);
  }
  if (!isRecord(v)) throw new ApiRefusal(400, 'the body must be a JSON object such as {"spec": "latency=300ms"}');
  const unknown = Object.keys(v).find((k) => !BODY_FIELDS.includes(k));
  if (unknown !== undefined) throw new ApiRefusal(400, `unknown field "${unknown}" (fields: ${BODY_FIELDS.join(', ')})`);
  return v;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
