/**
 * Helpers for the bisect and demo tests: run the real CLI, and raw misbehaving peers (node:net /
 * node:http, no wstrace code) to put in a path. Every server here is closed by the caller;
 * every child is killed at its deadline and when the test process exits.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { WebSocketServer } from 'ws';
import { REPO_ROOT } from './repo-root.js';
import { parseEvents, type Ev } from './json-events.js';

export type { Ev };
import { startChain, type Chain } from '../../src/chain/index.js';

export const ROOT = REPO_ROOT;
export const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');


export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The JSON lines of stdout, each validated against docs/events.schema.json (read on first use). */
  readonly events: Ev[];
  /** Spawn to exit. */
  ms: number;
  /** First stdout byte (the command's first line, after node and yargs have loaded) to exit. */
  msAfterFirstOutput: number | null;
  timedOut: boolean;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Runs `wstrace ARGS` to exit; SIGKILLed (and `timedOut`) after `deadlineMs`. */
export function wstrace(args: string[], deadlineMs = 20_000): Promise<Run> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    live.add(child);
    let stdout = '';
    let stderr = '';
    let first: number | null = null;
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => {
      first ??= performance.now();
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      live.delete(child);
      const end = performance.now();
      let events: Ev[] | undefined;
      resolve({
        code, stdout, stderr, ms: end - t0, msAfterFirstOutput: first === null ? null : end - first, timedOut,
        // Parsed when a test asks, so a line that breaks the schema fails that test, not the child's close handler.
        get events() {
          return (events ??= parse(stdout));
        },
      });
    });
  });
}

/** Runs tasks at most `limit` at a time: two cores, and other engineers' tests run too. */
export async function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return out;
}

/** JSON lines only: a human run's output has none. */
function parse(stdout: string): Ev[] {
  return parseEvents(stdout.split('\n').filter((l) => l.startsWith('{')).join('\n'));
}

export function resultOf(run: Run): Ev & { ok: boolean; hops: Ev[]; break: { outer: number; inner: number | null; code: string } | null; verdict?: Ev } {
  const r = run.events.filter((e) => e.event === 'result');
  if (r.length !== 1) throw new Error(`expected one result event, got ${r.length}; stdout: ${run.stdout} stderr: ${run.stderr}`);
  return r[0] as never;
}

export interface Closable {
  url: string;
  port: number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** Accepts TCP and never answers: a hop that hangs on the upgrade (a dead backend behind a TLS terminator). */
export async function startHangServer(): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return { url: `ws://127.0.0.1:${port}/`, port, close: closer(server, sockets) };
}

/** A port that was just free: connecting to it is refused. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * An application like FastAPI or a virtual host: upgrades (and echoes) only requests with the
 * upgrade headers and, when `vhost` is set, that Host; everything else gets 404 Not Found.
 */
export async function startApp(opts: { vhost?: string } = {}): Promise<Closable> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    // With Content-Length, as uvicorn sends it (a chunked body trips src/proxy/server.ts's relay of non-101 answers).
    const body = '{"detail":"Not Found"}';
    res.writeHead(404, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), server: 'uvicorn' }).end(body);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    if (opts.vhost && req.headers.host !== opts.vhost) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 22\r\nConnection: close\r\n\r\n{"detail":"Not Found"}');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.on('message', (data, binary) => ws.send(data, { binary }));
    });
  });
  const port = await listen(server);
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    port,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await closer(server, sockets)();
    },
  };
}

export const TABLE_HOPS = 5;

export interface FaultCase {
  fault: string;
  /** The cause bisect must name. */
  code: string;
  /** Per-phase deadline given to bisect. */
  timeout: string;
  /** Behavioural windows for bisect's own clock (plan → result), per strategy, when the fault costs deadlines. */
  windowMs?: { all: number; binary: number };
}

/**
 * One row set of the fault table: TABLE_HOPS chains, the fault at hop 1, 2, … in turn; bisect
 * (real CLI, both strategies) over every layer URL must name that hop, the one behind it and
 * the cause. At most three CLI runs at once.
 */
export async function faultTable(t: TestContext, c: FaultCase): Promise<void> {
  const chains: Chain[] = [];
  t.after(() => Promise.all(chains.map((ch) => ch.close())));
  for (let at = 1; at <= TABLE_HOPS; at++) {
    const hops = Array.from({ length: TABLE_HOPS }, (_, i) => ({ faults: i + 1 === at ? [c.fault] : [] }));
    // The hops' own upstream deadline (5 s) outlasts the client's, as on real paths.
    chains.push(await startChain({ hops }, { timeoutMs: 5_000 }));
  }
  const tasks = chains.flatMap((chain, i) =>
    (['all', 'binary'] as const).map((strategy) => async () => {
      const urls = chain.layers.map((l) => l.url);
      const names = chain.layers.flatMap((l) => ['--name', l.name]);
      const run = await wstrace(['bisect', ...urls, ...names, '--strategy', strategy, '--timeout', c.timeout, '--json']);
      return { at: i + 1, strategy, run, chain };
    }),
  );
  const runs = await limited(tasks, 3);
  t.diagnostic(`runs: ${runs.map((x) => `${x.strategy}@${x.at} ${Math.round(x.run.ms)} ms`).join(', ')}`);
  for (const { at, strategy, run, chain } of runs) {
    const where = `${c.fault} at hop ${at}, --strategy ${strategy}`;
    assert.equal(run.code, 1, `${where}: exit code; ${run.stderr}`);
    const r = resultOf(run);
    // Hop `at` (1-based) is URL index at-1: the innermost failing URL; the one behind it works.
    assert.deepEqual(r.break, { outer: at - 1, inner: at, code: c.code }, where);
    assert.equal(r.hops[at - 1]!.name, chain.layers[at - 1]!.name);
    assert.equal(r.hops[at]!.ok, true, `${where}: inner works`);
    assert.match(String(r.verdict!.summary), new RegExp(`^"hop-${at}" \\(#${at}\\)`), where);
    if (strategy === 'all') {
      assert.deepEqual(r.hops.map((h) => h.ok), chain.layers.map((_, i) => i >= at), `${where}: every URL outside the fault fails`);
    } else {
      assert.ok(Number(r.probes) <= Math.ceil(Math.log2(TABLE_HOPS + 1)) + 1, `${where}: ${String(r.probes)} probes`);
    }
    if (c.windowMs) assert.ok(Number(r.totalMs) < c.windowMs[strategy], `${where}: ${String(r.totalMs)} ms`);
  }
}
