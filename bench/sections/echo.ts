/** 1. echo RTT and 2. pipelined echo throughput: wstrace echo vs a bare ws echo vs a net echo (floor). */
import path from 'node:path';
import { BENCH_DIST, CLI, profileFlags, startNode, type Child } from '../lib/procs.js';
import { row, type Row } from '../lib/results.js';
import { compare, rttP50, tcpRttP50, throughput } from '../lib/workloads.js';
import type { Context } from './context.js';

export async function echoSection(ctx: Context): Promise<Row[]> {
  const children: Child[] = [];
  try {
    const wstrace = await startNode('wstrace echo', CLI, ['echo', '--port', '0', '--json', '--log-level', 'warn'], '/echo', profileFlags());
    children.push(wstrace);
    const net = await startNode('net echo', path.join(BENCH_DIST, 'peers', 'net-echo.js'), []);
    children.push(net);
    const addons = addonNote(wstrace.output());
    const bare = ctx.origin;
    const t = ctx.profile.timing;

    ctx.log('echo RTT, 64 B, one in flight: wstrace echo, bare ws, node net');
    const rtt = await compare({ wstrace: rttP50(wstrace.url), bare: rttP50(bare.url), net: tcpRttP50(net.port) }, t);
    const metric = 'echo RTT p50, 64 B, 1 in flight';
    const rows = [
      row(metric, 'wstrace echo', 'ws (bare)', rtt.wstrace, rtt.bare, 'ms', { kind: 'ratio<=', x: 1.1 }, `median of ${t.rounds} alternating rounds; ${addons}`),
      row(`${metric} vs TCP floor`, 'wstrace echo', 'node net echo', rtt.wstrace, rtt.net, 'ms', null, 'raw 64 B TCP ping-pong through a Node net echo'),
    ];

    for (const [size, pipeline, label] of ctx.profile.throughput) {
      ctx.log(`echo throughput, ${label} in flight: wstrace echo, bare ws`);
      const r = await compare({ wstrace: throughput(wstrace.url, size, pipeline), bare: throughput(bare.url, size, pipeline) }, t);
      rows.push(row(`echo throughput, ${label} in flight`, 'wstrace echo', 'ws (bare)', r.wstrace, r.bare, 'msgs/s', { kind: 'ratio>=', x: 0.95 }, addons));
    }
    return rows;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

/** The endpoint's `listening` event says whether ws's native helpers loaded. */
function addonNote(output: string): string {
  for (const line of output.split('\n')) {
    try {
      const ev = JSON.parse(line) as { event?: string; bufferutil?: boolean; utf8Validate?: boolean };
      if (ev.event === 'listening') return `bufferutil ${ev.bufferutil ? 'loaded' : 'MISSING'}, utf-8-validate ${ev.utf8Validate ? 'loaded' : 'MISSING'}`;
    } catch {
      /* log line */
    }
  }
  return 'native addons: unknown';
}
