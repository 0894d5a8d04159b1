/**
 * 5. memory per idle proxied connection (tunnel): RSS delta of the hop process / connections,
 * for wstrace's proxy, the Node floor (a bare `net` pipe proxy), nginx and HAProxy; and the
 * same per idle WebSocket for wstrace's echo endpoint against the bare ws echo. Node processes
 * run with their inspector on loopback and get a full GC before each reading, so garbage left
 * by the burst of upgrades is not counted as a tunnel's; their live heap + external per
 * connection is in the note.
 */
import path from 'node:path';
import { BENCH_DIST, CLI, canRaiseNofile, nofileLimit, ownNofileLimit, rssKiB, sleep, startNode, type Child } from '../lib/procs.js';
import { collect, INSPECT_FLAGS } from '../lib/inspector.js';
import { row, skipped, type Row, type Target } from '../lib/results.js';
import { openIdle, type IdleSet } from '../lib/workloads.js';
import type { Context } from './context.js';
import { HOP_LABEL, startHop, type HopKind } from './hops.js';

/** Connections opened (and kept) before the baseline: one-time costs (JIT, pools, first buffers) are not per connection. */
const WARM = 100;
const AIM_KIB = 12;

interface PerConn {
  kib: number;
  /** heapUsed + external per connection, KiB (Node processes only). */
  liveKib?: number;
}

export async function memorySection(ctx: Context): Promise<Row[]> {
  // The bench process holds one socket per connection; each peer holds two (children get a raised limit).
  const wanted = ctx.profile.idleConnections;
  // A peer holds two sockets per tunnel, and nginx starts closing idle connections ("worker_connections
  // are not enough, reusing connections") once fewer than 1/16 of them are free: stay below 15/16.
  const limit = Math.min(ownNofileLimit() - 200, Math.floor(((nofileLimit() * 15) / 16 - 200) / 2));
  const n = Math.min(wanted, limit - WARM);
  const capNote = n < wanted ? `; capped from ${wanted} to ${n} + ${WARM} warm-up by the descriptor hard limit ${nofileLimit()}${canRaiseNofile ? '' : ' (cannot be raised here)'}: two sockets per tunnel, 1/16 headroom for nginx` : '';
  const perConn = new Map<HopKind, PerConn | Error>();
  for (const kind of ['wstrace', 'floor', 'nginx', 'haproxy'] as const) {
    ctx.log(`${HOP_LABEL[kind]}: RSS for ${n} idle proxied connections`);
    const node = kind === 'wstrace' || kind === 'floor';
    perConn.set(kind, await measure(() => startHop(kind, ctx.origin.port, undefined, node ? INSPECT_FLAGS : []), node, n, ctx).catch(asError));
  }
  const metric = `memory per idle proxied tunnel, n=${n}`;
  const how = `RSS delta / n from /proc after ${WARM} warm-up connections; Node hops get a full GC before each reading${capNote}`;
  const ours = perConn.get('wstrace');
  const rows = (['floor', 'nginx', 'haproxy'] as const).map((peer) =>
    compareRow(metric, 'wstrace proxy', HOP_LABEL[peer], ours, perConn.get(peer), peer === 'floor' ? { kind: 'ratio<=', x: 1.05 } : null, how));
  rows.push(compareRow(`${metric}, absolute aim`, 'wstrace proxy', HOP_LABEL.floor, ours, perConn.get('floor'), { kind: 'value<=', x: AIM_KIB }, how));

  ctx.log(`wstrace echo and bare ws echo: RSS for ${n} idle WebSockets`);
  const echo = await measure(() => startNode('wstrace echo', CLI, ['echo', '--port', '0', '--json', '--log-level', 'warn'], '/echo', INSPECT_FLAGS), true, n, ctx).catch(asError);
  const bare = await measure(() => startNode('ws echo (bare)', path.join(BENCH_DIST, 'peers', 'ws-echo.js'), [], '', INSPECT_FLAGS), true, n, ctx).catch(asError);
  rows.push(compareRow(`memory per idle echo connection, n=${n}`, 'wstrace echo', 'ws (bare)', echo, bare, null, how));
  return rows;
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function compareRow(metric: string, subject: string, peer: string, ours: PerConn | Error | undefined, theirs: PerConn | Error | undefined, target: Target, how: string): Row {
  if (!ours || !theirs || ours instanceof Error || theirs instanceof Error) {
    const e = [ours, theirs].find((x): x is Error => x instanceof Error);
    return skipped(metric, subject, peer, 'KiB', target, e ? e.message.split('\n')[0]! : 'not measured');
  }
  const live = (p: PerConn, who: string) => (p.liveKib === undefined ? '' : `; ${who} live heap+external ${p.liveKib.toFixed(1)} KiB/conn`);
  return row(metric, subject, peer, ours.kib, theirs.kib, 'KiB', target, `${how}${live(ours, subject)}${live(theirs, peer)}`);
}

async function measure(start: () => Promise<Child>, node: boolean, n: number, ctx: Context): Promise<PerConn> {
  let hop: Child | undefined;
  const sets: IdleSet[] = [];
  try {
    hop = await start();
    sets.push(await openIdle(hop.port, WARM));
    await sleep(300);
    const live0 = node ? await collect(hop) : undefined;
    const before = rssKiB(hop.pid);
    sets.push(await openIdle(hop.port, n));
    await sleep(ctx.profile.name === 'smoke' ? 200 : 1_000);
    const live1 = node ? await collect(hop) : undefined;
    const after = rssKiB(hop.pid);
    return { kib: (after - before) / n, ...(live0 && live1 ? { liveKib: (live1.liveBytes - live0.liveBytes) / 1024 / n } : {}) };
  } finally {
    for (const s of sets) s.close();
    await hop?.stop();
  }
}
