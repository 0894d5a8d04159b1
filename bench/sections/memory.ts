/** 5. memory per idle proxied connection: RSS delta of the proxy process / connections. */
import { canRaiseNofile, nofileLimit, ownNofileLimit, rssKiB, sleep, type Child } from '../lib/procs.js';
import { row, skipped, type Row } from '../lib/results.js';
import { openIdle, type IdleSet } from '../lib/workloads.js';
import type { Context } from './context.js';
import { HOP_LABEL, startHop, type HopKind } from './hops.js';

/** Connections opened (and kept) before the baseline: one-time costs (JIT, pools, first buffers) are not per connection. */
const WARM = 100;
const TARGET_KIB = 12;

export async function memorySection(ctx: Context): Promise<Row[]> {
  // The bench process holds one socket per connection; each peer holds two (children get a raised limit).
  const wanted = ctx.profile.idleConnections;
  // A peer holds two sockets per tunnel, and nginx starts closing idle connections ("worker_connections
  // are not enough, reusing connections") once fewer than 1/16 of them are free: stay below 15/16.
  const limit = Math.min(ownNofileLimit() - 200, Math.floor(((nofileLimit() * 15) / 16 - 200) / 2));
  const n = Math.min(wanted, limit - WARM);
  const capNote = n < wanted ? `; capped from ${wanted} to ${n} + ${WARM} warm-up by the descriptor hard limit ${nofileLimit()}${canRaiseNofile ? '' : ' (cannot be raised here)'}: two sockets per tunnel, 1/16 headroom for nginx` : '';
  const perConn = new Map<HopKind, number | Error>();
  for (const kind of ['wstrace', 'nginx', 'haproxy'] as const) {
    ctx.log(`${HOP_LABEL[kind]}: RSS for ${n} idle proxied connections`);
    perConn.set(kind, await measure(kind, n, ctx).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))));
  }
  const ours = perConn.get('wstrace');
  const metric = `memory per idle proxied connection, n=${n}`;
  return (['nginx', 'haproxy'] as const).map((peer) => {
    const theirs = perConn.get(peer);
    const target = { kind: 'value<=', x: TARGET_KIB } as const;
    if (typeof ours !== 'number' || typeof theirs !== 'number') {
      const e = [ours, theirs].find((x): x is Error => x instanceof Error);
      return skipped(metric, 'wstrace proxy', peer, 'KiB', target, e ? e.message.split('\n')[0]! : 'not measured');
    }
    return row(metric, 'wstrace proxy', peer, ours, theirs, 'KiB', target, `RSS delta / n, read from /proc after ${WARM} warm-up connections${capNote}`);
  });
}

async function measure(kind: HopKind, n: number, ctx: Context): Promise<number> {
  let hop: Child | undefined;
  const sets: IdleSet[] = [];
  try {
    hop = await startHop(kind, ctx.origin.port);
    sets.push(await openIdle(hop.port, WARM));
    await sleep(300);
    const before = rssKiB(hop.pid);
    sets.push(await openIdle(hop.port, n));
    await sleep(ctx.profile.name === 'smoke' ? 200 : 1_000);
    const after = rssKiB(hop.pid);
    return (after - before) / n;
  } finally {
    for (const s of sets) s.close();
    await hop?.stop();
  }
}
