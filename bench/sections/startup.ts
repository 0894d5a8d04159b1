/** 6. start-up: `wstrace --version` and `--help` vs `node -e 0`; a one-shot `wstrace client URL --message hi` vs wscat's. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CLI, startNode, type Child } from '../lib/procs.js';
import { row, skipped, type Row } from '../lib/results.js';
import { startupMs } from '../lib/workloads.js';
import type { Context } from './context.js';

/** wscat from PATH or $WSCAT; it is a peer to compare with, never a dependency. */
export function findWscat(): string | null {
  if (process.env.WSCAT && existsSync(process.env.WSCAT)) return process.env.WSCAT;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'wscat'))) return path.join(dir, 'wscat');
  }
  return null;
}

export async function startupSection(ctx: Context): Promise<Row[]> {
  const runs = ctx.profile.startupRuns;
  const node = process.execPath;
  let echo: Child | undefined;
  try {
    echo = await startNode('wstrace echo', CLI, ['echo', '--port', '0', '--json', '--log-level', 'warn'], '/echo');
    ctx.log(`start-up: node -e 0, wstrace --version, --help, one-shot clients (median of ${runs})`);
    const bare = startupMs(node, ['-e', '0'], runs);
    const version = startupMs(node, [CLI, '--version'], runs);
    const help = startupMs(node, [CLI, '--help'], runs);
    const client = startupMs(node, [CLI, 'client', echo.url, '--message', 'hi'], runs);
    const rows = [
      row('start-up: wstrace --version', 'wstrace --version', 'node -e 0', version, bare, 'ms', { kind: 'diff<=', x: 10 }, `median of ${runs} runs`),
      row('start-up: wstrace --help', 'wstrace --help', 'node -e 0', help, bare, 'ms', { kind: 'diff<=', x: 40 }, `median of ${runs} runs`),
      row('start-up: one-shot client vs bare node', 'wstrace client --message hi', 'node -e 0', client, bare, 'ms', null, 'connect, upgrade, one echo, close handshake, exit'),
    ];
    const wscat = findWscat();
    const metric = 'start-up: one-shot client';
    if (!wscat) {
      ctx.log('wscat: not installed (npm i -g wscat)');
      rows.push(skipped(metric, 'wstrace client --message hi', 'wscat -x hi -w 0', 'ms', { kind: 'ratio<=', x: 0.85 }, 'wscat: not installed (npm i -g wscat)'));
    } else {
      // -w 0: close right after sending; wscat does not wait for the echo, wstrace does.
      const theirs = startupMs(wscat, ['-c', echo.url, '-x', 'hi', '-w', '0'], runs);
      rows.push(row(metric, 'wstrace client --message hi', 'wscat -x hi -w 0', client, theirs, 'ms', { kind: 'ratio<=', x: 0.85 }, `median of ${runs} runs; wscat closes without waiting for the echo`));
    }
    return rows;
  } finally {
    await echo?.stop();
  }
}
