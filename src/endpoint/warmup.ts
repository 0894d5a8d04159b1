/**
 * The serving side of "measure the network, not wstrace". A freshly started echo answers its
 * first clients from cold code: the upgrade, the handshake report and the first echo of each of
 * its first connections run in V8's interpreter. Measured against a new `wstrace echo`, one-shot
 * clients reported a first echo of 0.22–0.36 ms where the same clients read 0.18–0.19 ms once
 * the endpoint had served a few dozen connections, and a user would blame the path for it.
 *
 * So before an endpoint announces itself, a private instance on 127.0.0.1 serves ROUNDS
 * connections from a client in this process: the upgrade with and without permessage-deflate, a
 * small text echo, a 2 KiB binary one, an inspect request and the close handshake. The private
 * instance runs the same code as the real one, which then starts warm (the bench's one-shot
 * first echo: 0.19–0.20 ms); it is closed before the real one starts, so nobody ever sees its
 * connections. Bounded, once per process, and never fails the caller. The cost found so far:
 * an echo that has served a few dozen connections, warmed or not, pipelines 16 KiB messages
 * slower than a fresh one (docs/performance.md).
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { INSPECT_MESSAGE } from '../constants.js';
import { withDeadline } from '../net/deadline.js';
import { closeHandshake, roundTrip } from '../client/exchange.js';
import type { Logger } from '../log.js';
import { startEcho } from './server.js';

/** Enough for ~40 connections on a quiet 2-core machine; past it, the endpoint starts half-warm. */
const WARMUP_BUDGET_MS = 400;
const ROUNDS = 40;
const STEP_MS = 1_000;

/** Anything the warm-up starts: closed when it is done, whatever happened. */
export interface Closable {
  close(): Promise<void>;
}

/** What a warm-up did: servers log it at debug level. */
export interface WarmUp {
  /** Connections that completed every step (upgrade, three echoes, close). */
  connections: number;
  /** Of ROUNDS; fewer when a step failed or the budget ran out. */
  rounds: number;
  ms: number;
}

let warmed: Promise<WarmUp> | undefined;

/** Resolves when the endpoint's paths are warm, or its budget ran out. */
export function warmEndpoint(): Promise<WarmUp> {
  warmed ??= warmServing(async (started) => {
    const echo = await startEcho({ host: '127.0.0.1', port: 0, name: 'warm-up' });
    started.push(echo);
    return echo.url;
  }, WARMUP_BUDGET_MS);
  return warmed;
}

/** One debug line: how much of the warm-up ran (a half-warm start is worth knowing about). */
export function logWarmUp(logger: Logger, w: WarmUp): void {
  logger.debug({ connections: w.connections, rounds: w.rounds, ms: Math.round(w.ms * 10) / 10 }, 'warmed up');
}

/**
 * Starts private servers with `start` (it pushes each onto `started` and returns the URL to
 * exercise), drives ROUNDS connections through them within `budgetMs`, then closes them all.
 * Never rejects: a warm-up that fails or runs out of time only leaves the first clients slower.
 */
export async function warmServing(start: (started: Closable[]) => Promise<string>, budgetMs: number): Promise<WarmUp> {
  const t0 = performance.now();
  const started: Closable[] = [];
  const open = new Set<WebSocket>();
  const done = { connections: 0 };
  const stop = () => {
    for (const ws of open) ws.terminate();
  };
  try {
    await withDeadline(start(started).then((url) => rounds(url, open, done)), budgetMs, () => new Error('warm-up budget'), stop);
  } catch {
    // Slower first clients, nothing worse.
  } finally {
    stop();
    // Outermost first, as a chain stops: nothing forwards to a server that is already gone.
    for (const s of started.reverse()) await s.close().catch(() => undefined);
  }
  return { connections: done.connections, rounds: ROUNDS, ms: performance.now() - t0 };
}

async function rounds(url: string, open: Set<WebSocket>, done: { connections: number }): Promise<void> {
  const big = Buffer.alloc(2048, 7);
  for (let i = 0; i < ROUNDS; i++) {
    // handshakeTimeout bounds the open; once() rejects on the error a failed or timed-out one emits.
    const ws = new WebSocket(url, { perMessageDeflate: i % 2 === 0, handshakeTimeout: STEP_MS });
    open.add(ws);
    // Errors between the steps below must not go unhandled; each step sees its own.
    ws.on('error', () => {});
    await once(ws, 'open');
    for (const [payload, binary] of [['wstrace warm-up', false], [big, true], [INSPECT_MESSAGE, false]] as const) {
      const r = await roundTrip(ws, payload, binary, STEP_MS);
      if (r.kind !== 'value') throw new Error(`warm-up: ${r.kind} instead of an echo`);
    }
    const c = await closeHandshake(ws, STEP_MS);
    open.delete(ws);
    if (!c.answered) throw new Error(`warm-up: close not answered (${c.reason})`);
    done.connections++;
  }
}
