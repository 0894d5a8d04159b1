/**
 * 3. latency added per proxy hop, 4. throughput through one hop, 7. frame tap cost:
 * wstrace proxy vs HAProxy vs nginx, each in front of the same bare ws echo. Every peer's hops
 * run at once and the rounds alternate between them, so load from elsewhere hits all alike.
 */
import path from 'node:path';
import { BENCH_DIST, CLI, profileFlags, startNode, startReal, type Child } from '../lib/procs.js';
import { row, skipped, type Row, type Target } from '../lib/results.js';
import { compare, rttP50, throughput, type Probe } from '../lib/workloads.js';
import type { Context } from './context.js';

export type HopKind = 'wstrace' | 'floor' | 'haproxy' | 'nginx';
export const HOP_LABEL: Record<HopKind, string> = { wstrace: 'wstrace proxy', floor: 'node floor (net pipe)', haproxy: 'haproxy', nginx: 'nginx' };
const KINDS: HopKind[] = ['wstrace', 'floor', 'haproxy', 'nginx'];

/**
 * One hop in front of `upstreamPort`. The wstrace proxy logs at warn: per-connection info lines
 * are not the hop's job under load. `nodeFlags` go to the Node hops (wstrace, the floor).
 */
export function startHop(kind: HopKind, upstreamPort: number, extra: string[] = ['--log-level', 'warn'], nodeFlags: string[] = []): Promise<Child> {
  if (kind === 'wstrace') return startNode('wstrace proxy', CLI, ['proxy', '--target', `ws://127.0.0.1:${upstreamPort}`, '--port', '0', '--json', ...extra], '', [...nodeFlags, ...profileFlags()]);
  if (kind === 'floor') return startNode(HOP_LABEL.floor, path.join(BENCH_DIST, 'peers', 'net-proxy.js'), [String(upstreamPort)], '', [...nodeFlags, ...profileFlags()]);
  return startReal(kind, upstreamPort);
}

/** `n` more processes of one kind in front of `upstreamPort`, innermost first; returns the outermost. */
async function startChain(kind: HopKind, n: number, upstreamPort: number, started: Child[]): Promise<Child> {
  let upstream = upstreamPort;
  let outer: Child | undefined;
  for (let i = 0; i < n; i++) {
    outer = await startHop(kind, upstream);
    started.push(outer);
    upstream = outer.port;
  }
  return outer!;
}

export async function hopsSection(ctx: Context): Promise<Row[]> {
  const t = ctx.profile.timing;
  const started: Child[] = [];
  const one = new Map<HopKind, string>();
  const three = new Map<HopKind, string>();
  const failed = new Map<HopKind, string>();
  try {
    for (const kind of KINDS) {
      try {
        // The 3-hop chain is two more processes in front of the 1-hop one: three separate processes.
        const first = await startChain(kind, 1, ctx.origin.port, started);
        one.set(kind, `${first.url}/echo`);
        three.set(kind, `${(await startChain(kind, 2, first.port, started)).url}/echo`);
      } catch (e) {
        failed.set(kind, e instanceof Error ? e.message.split('\n')[0]! : String(e));
        one.delete(kind);
        three.delete(kind);
      }
    }
    const running = KINDS.filter((k) => one.has(k));
    const probes = (urls: Map<HopKind, string>, make: (url: string) => Probe) =>
      Object.fromEntries(running.map((k) => [k, make(urls.get(k)!)])) as Record<string, Probe>;

    ctx.log(`RTT direct and through 1 hop: ${running.map((k) => HOP_LABEL[k]).join(', ')}`);
    const rtt1 = await compare({ direct: rttP50(ctx.origin.url), ...probes(one, (u) => rttP50(u)) }, t);
    ctx.log('RTT direct and through 3 hops (3 processes each)');
    const rtt3 = await compare({ direct: rttP50(ctx.origin.url), ...probes(three, (u) => rttP50(u)) }, t);
    const rows: Row[] = [];
    for (const [hops, r] of [[1, rtt1], [3, rtt3]] as [number, Record<string, number>][]) {
      const metric = `added RTT p50, ${hops} hop${hops > 1 ? 's' : ''} (hop RTT - direct RTT)`;
      rows.push(...against(metric, 'ms', { floor: { kind: 'ratio<=', x: 1.05 }, haproxy: { kind: 'ratio<=', x: 1.0 }, nginx: null }, failed,
        (k) => (r[k] === undefined ? null : r[k]! - r.direct!),
        (k) => `p50 direct ${r.direct!.toFixed(3)} ms, through wstrace ${r.wstrace?.toFixed(3)}, through ${HOP_LABEL[k]} ${r[k]?.toFixed(3)}`));
    }
    for (const [size, pipeline, label] of ctx.profile.throughput) {
      ctx.log(`throughput through 1 hop, ${label} in flight`);
      const r = await compare(probes(one, (u) => throughput(u, size, pipeline)), t);
      rows.push(...against(`throughput through 1 hop, ${label} in flight`, 'msgs/s', { floor: null, haproxy: { kind: 'ratio>=', x: 1.0 }, nginx: null }, failed, (k) => r[k] ?? null));
    }
    rows.push(await tapCost(ctx));
    return rows;
  } finally {
    await Promise.all(started.map((c) => c.stop()));
  }
}

type Peer = Exclude<HopKind, 'wstrace'>;

/** One row per peer: wstrace vs the Node floor, HAProxy and nginx, each with its own target (null: informational). */
function against(metric: string, unit: string, targets: Record<Peer, Target>, failed: Map<HopKind, string>, value: (k: HopKind) => number | null, note?: (k: HopKind) => string): Row[] {
  return (['floor', 'haproxy', 'nginx'] as const).map((peer) => {
    const t = targets[peer];
    const ours = value('wstrace');
    const theirs = value(peer);
    if (ours === null || theirs === null) return skipped(metric, 'wstrace proxy', HOP_LABEL[peer], unit, t, failed.get('wstrace') ?? failed.get(peer) ?? 'not measured');
    return row(metric, 'wstrace proxy', HOP_LABEL[peer], ours, theirs, unit, t, note?.(peer));
  });
}

const TAP_TARGET: Target = { kind: 'ratio>=', x: 0.8 };

/** 7. the same hop with and without --trace-frames, both logging at info to a pipe we drain. */
async function tapCost(ctx: Context): Promise<Row> {
  const [size, pipeline, label] = ctx.profile.throughput[0]!;
  const metric = `frame tap cost: throughput through 1 hop, ${label} in flight`;
  ctx.log('frame tap cost: wstrace proxy with and without --trace-frames');
  const hops: Child[] = [];
  try {
    const plain = await startHop('wstrace', ctx.origin.port, ['--log-level', 'info']);
    hops.push(plain);
    const tapped = await startHop('wstrace', ctx.origin.port, ['--log-level', 'info', '--trace-frames']);
    hops.push(tapped);
    const r = await compare({ plain: throughput(`${plain.url}/echo`, size, pipeline), tapped: throughput(`${tapped.url}/echo`, size, pipeline) }, ctx.profile.timing);
    const traced = /"event":"frame"|frame (client|upstream)/.test(tapped.output());
    const note = traced
      ? 'both --json --log-level info, output drained by the bench: the ratio is frame parsing plus one NDJSON frame event per frame'
      : 'no frame lines were logged: --trace-frames is accepted but the tap is not wired in this build, so this ratio is noise';
    return row(metric, 'wstrace proxy --trace-frames', 'wstrace proxy', r.tapped, r.plain, 'msgs/s', TAP_TARGET, note);
  } catch (e) {
    return skipped(metric, 'wstrace proxy --trace-frames', 'wstrace proxy', 'msgs/s', TAP_TARGET, e instanceof Error ? e.message.split('\n')[0]! : String(e));
  } finally {
    await Promise.all(hops.map((c) => c.stop()));
  }
}
