/**
 * The workloads, each the same for every peer: echo round trips and pipelined throughput through
 * wstrace's own load generator (runLoad), a raw TCP ping-pong for the floor, idle connections
 * for memory, and process start-up times.
 */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { runLoad, type LoadResult } from '../../src/load/run.js';
import { Histogram } from '../../src/load/histogram.js';
import { parseWsUrl } from '../../src/net/url.js';
import type { Reporter } from '../../src/events.js';

const quiet: Reporter = { emit: () => {} };

export interface Timing {
  /** Measured phase per workload, ms. */
  measureMs: number;
  /** Discarded run first, so JIT warm-up on both ends is not measured. */
  warmupMs: number;
  /** The measured time is split into this many rounds, alternating subjects. */
  rounds: number;
}

/**
 * Binary messages and no permessage-deflate offer: the bare `ws` peer does not negotiate
 * deflate, and ws compresses every message under context takeover whatever its size, which
 * would measure zlib instead of the echo path.
 */
async function load(url: string, size: number, pipeline: number, ms: number, connections = 1): Promise<LoadResult> {
  const r = await runLoad(
    { client: { target: parseWsUrl(url), timeoutMs: 5_000, deflate: false }, connections, size, binary: true, pipeline, durationMs: ms },
    quiet,
  );
  if (!r.ok || r.messages === 0) throw new Error(`load on ${url} failed: ${r.verdict ? `${r.verdict.code}: ${r.verdict.summary}` : 'no messages'}`);
  return r;
}

/** A measurement of one subject for `ms` milliseconds, returning one number. */
export type Probe = (ms: number) => Promise<number>;

/** p50 RTT (ms) of echoes, one in flight on one connection. */
export const rttP50 = (url: string, size = 64): Probe => async (ms) => (await load(url, size, 1, ms)).latencyMs.p50;

/** Echoed messages per second with `pipeline` in flight on one connection. */
export const throughput = (url: string, size: number, pipeline: number): Probe => async (ms) => (await load(url, size, pipeline, ms)).msgsPerSec;

/**
 * Runs every subject once to warm up (both ends JIT), then `rounds` rounds of measureMs/rounds
 * each, rotating the order every round, and returns each subject's median. On a shared
 * 2-core machine a neighbour's burst then hits every subject alike instead of one of them.
 */
export async function compare<K extends string>(subjects: Record<K, Probe>, t: Timing): Promise<Record<K, number>> {
  const keys = Object.keys(subjects) as K[];
  for (const k of keys) await subjects[k](t.warmupMs);
  const samples = new Map<K, number[]>(keys.map((k) => [k, []]));
  for (let r = 0; r < t.rounds; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length]!;
      samples.get(k)!.push(await subjects[k](t.measureMs / t.rounds));
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(samples.get(k)!)])) as Record<K, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Raw TCP ping-pong against a plain echo: the floor under any WebSocket echo. p50, ms. */
export const tcpRttP50 = (port: number, size = 64): Probe => async (ms) => (await tcpPingPong(port, size, ms)).percentile(50);

function tcpPingPong(port: number, size: number, ms: number): Promise<Histogram> {
  return new Promise<Histogram>((resolve, reject) => {
    const h = new Histogram();
    const payload = Buffer.alloc(size, 0x61);
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    let got = 0;
    let sentAt = 0;
    let end = 0;
    const deadline = setTimeout(() => fail(new Error('tcp ping-pong: no answer within 5 s')), ms + 5_000);
    const fail = (e: Error) => {
      clearTimeout(deadline);
      socket.destroy();
      reject(e);
    };
    const send = () => {
      sentAt = performance.now();
      socket.write(payload);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      end = performance.now() + ms;
      send();
    });
    socket.on('data', (c: Buffer) => {
      got += c.length;
      if (got < size) return;
      got -= size;
      const now = performance.now();
      h.record(now - sentAt);
      if (now < end) return send();
      clearTimeout(deadline);
      socket.destroy();
      resolve(h);
    });
  });
}

export interface IdleSet {
  opened: number;
  close(): void;
}

const UPGRADE = (port: number, p: string) =>
  `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/**
 * Opens `n` idle WebSockets through `port` with bare sockets (a ws client per connection would
 * only cost the bench process memory). Each waits at most 10 s for its 101.
 */
export async function openIdle(port: number, n: number, parallel = 200): Promise<IdleSet> {
  const sockets: net.Socket[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port });
      sockets.push(s);
      let head = '';
      const timer = setTimeout(() => done(new Error('no 101 within 10 s')), 10_000);
      const done = (err?: Error) => {
        clearTimeout(timer);
        s.off('data', onData);
        if (err) reject(err);
        else resolve();
      };
      const onData = (c: Buffer) => {
        head += c.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        if (!head.startsWith('HTTP/1.1 101')) return done(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
        done();
      };
      s.on('error', (e) => done(e));
      s.on('data', onData);
      s.write(UPGRADE(port, '/idle'));
    });
  const worker = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
  } catch (e) {
    for (const s of sockets) s.destroy();
    throw e;
  }
  return { opened: sockets.length, close: () => sockets.forEach((s) => s.destroy()) };
}

/** Median wall time (ms) of `runs` runs of a command, after one unmeasured run (disk cache). */
export function startupMs(cmd: string, args: string[], runs: number): number {
  const once = () => {
    const t = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000, encoding: 'utf8' });
    const ms = performance.now() - t;
    if (r.error) throw r.error;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stdout + r.stderr).trim().split('\n').slice(-4).join(' | ')}`);
    return ms;
  };
  once();
  const samples = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
