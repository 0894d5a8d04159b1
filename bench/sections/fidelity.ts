/**
 * 7. timing fidelity: does `wstrace client` report the network, or itself? Against a loopback
 * `wstrace echo`, its connect and first echo RTT are compared with curl's %{time_connect}, the
 * load generator's p50 for the same echo, and a tshark capture of the same connections (SYN →
 * SYN-ACK; our frame out → the echo's first segment back). Target: within 1.5 x + 0.2 ms.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, sleep, startNode, type Child } from '../lib/procs.js';
import { row, skipped, type Row, type Target } from '../lib/results.js';
import type { Context } from './context.js';

const WITHIN: Target = { kind: 'within', factor: 1.5, plus: 0.2 };

interface Reported {
  localPort: number;
  connectMs: number;
  firstEchoMs: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function find(bin: string): string | null {
  for (const dir of ['/usr/bin', '/usr/sbin', ...(process.env.PATH ?? '').split(path.delimiter)]) {
    if (dir && existsSync(path.join(dir, bin))) return path.join(dir, bin);
  }
  return null;
}

/** One `wstrace client URL --json`: its connect and first echo figures, and its local port. */
function clientRun(url: string): Reported {
  const r = spawnSync(process.execPath, [CLI, 'client', url, '--json'], { encoding: 'utf8', timeout: 15_000 });
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const connect = events.find((e) => e.event === 'phase' && e.phase === 'connect');
  const echo = events.find((e) => e.event === 'echo');
  if (r.status !== 0 || !connect || !echo) throw new Error(`wstrace client ${url} failed: ${r.stdout}${r.stderr}`);
  const local = connect.local as { port: number } | null;
  return { localPort: Number(local?.port), connectMs: Number(connect.ms), firstEchoMs: Number(echo.ms) };
}

function curlConnectMs(curl: string, port: number): number {
  const r = spawnSync(curl, ['-s', '-o', '/dev/null', '-w', '%{time_connect}', `http://127.0.0.1:${port}/health`], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`curl failed: ${r.stderr}`);
  return Number(r.stdout) * 1000;
}

/** p50 RTT of the load generator against the same echo, with the same (default) message. */
function loadP50(url: string, ms: number): number {
  const r = spawnSync(process.execPath, [CLI, 'client', url, '--concurrency', '1', '--duration', `${ms}ms`, '--json'], { encoding: 'utf8', timeout: ms + 15_000 });
  const load = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.event === 'load');
  if (!load) throw new Error(`load generator failed: ${r.stdout}${r.stderr}`);
  return Number((load.latencyMs as { p50: number }).p50);
}

interface WireFigures {
  connectMs: number;
  firstEchoMs: number;
}

/**
 * Captures the runs' connections on lo and reads, per client port: SYN → SYN-ACK, and the
 * second client payload segment (our first frame, after the upgrade request) → the next server
 * payload segment (the echo).
 */
async function capture(tshark: string, port: number, runs: () => Reported[]): Promise<{ reported: Reported[]; wire: Map<number, WireFigures> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-bench-capture-'));
  const file = path.join(dir, 'lo.pcapng');
  try {
    const child = spawn(tshark, ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file, '-q'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const started = new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        err += d;
        if (/Capturing on/.test(err)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`tshark exited ${code}: ${err}`)));
      setTimeout(() => reject(new Error(`tshark did not start capturing within 15 s: ${err}`)), 15_000).unref();
    });
    await started;
    const reported = runs();
    await sleep(300);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
    const r = spawnSync(tshark, ['-r', file, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags.syn', '-e', 'tcp.flags.ack', '-e', 'tcp.len'], { encoding: 'utf8', timeout: 30_000 });
    const wire = new Map<number, WireFigures>();
    const byConn = new Map<number, { t: number; out: boolean; syn: boolean; ack: boolean; len: number }[]>();
    for (const line of r.stdout.trim().split('\n')) {
      const [t, src, dst, syn, ack, len] = line.split(',');
      const out = Number(dst) === port;
      const client = out ? Number(src) : Number(dst);
      const list = byConn.get(client) ?? [];
      list.push({ t: Number(t) * 1000, out, syn: syn === '1' || syn === 'True', ack: ack === '1' || ack === 'True', len: Number(len) });
      byConn.set(client, list);
    }
    for (const [client, segs] of byConn) {
      const synAt = segs.find((s) => s.out && s.syn && !s.ack)?.t;
      const synAckAt = segs.find((s) => !s.out && s.syn && s.ack)?.t;
      const sent = segs.filter((s) => s.out && s.len > 0);
      const frameAt = sent[1]?.t;
      const backAt = frameAt === undefined ? undefined : segs.find((s) => !s.out && s.len > 0 && s.t >= frameAt)?.t;
      if (synAt !== undefined && synAckAt !== undefined && frameAt !== undefined && backAt !== undefined) {
        wire.set(client, { connectMs: synAckAt - synAt, firstEchoMs: backAt - frameAt });
      }
    }
    return { reported, wire };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function fidelitySection(ctx: Context): Promise<Row[]> {
  // smoke: one run each, so the harness stays quick; quick/full: the median of several.
  const runs = ctx.profile.name === 'smoke' ? 1 : Math.max(3, Math.ceil(ctx.profile.startupRuns / 2));
  let echo: Child | undefined;
  const rows: Row[] = [];
  const connectMetric = 'timing fidelity: loopback connect';
  const echoMetric = 'timing fidelity: loopback first echo RTT';
  try {
    echo = await startNode('wstrace echo', CLI, ['echo', '--port', '0', '--json', '--log-level', 'warn'], '/echo');
    ctx.log(`timing fidelity: ${runs} one-shot clients vs curl, the load generator and a tshark capture`);
    clientRun(echo.url); // disk cache
    const curl = find('curl');
    const tshark = find('tshark');
    const ours = Array.from({ length: runs }, () => clientRun(echo!.url));
    const ourConnect = median(ours.map((r) => r.connectMs));
    const ourEcho = median(ours.map((r) => r.firstEchoMs));
    if (curl) {
      const theirs = median(Array.from({ length: runs }, () => curlConnectMs(curl, echo!.port)));
      rows.push(row(connectMetric, 'wstrace client connect', 'curl %{time_connect}', ourConnect, theirs, 'ms', WITHIN, `median of ${runs} runs each`));
    } else {
      rows.push(skipped(connectMetric, 'wstrace client connect', 'curl %{time_connect}', 'ms', WITHIN, 'curl: not installed (apt-get install curl)'));
    }
    const p50 = loadP50(echo.url, Math.max(300, ctx.profile.timing.measureMs / 2));
    rows.push(row(echoMetric, 'wstrace client echo 1', 'load generator p50', ourEcho, p50, 'ms', WITHIN, `median of ${runs} one-shot runs vs the p50 of one steady connection, same message`));
    if (tshark) {
      const { reported, wire } = await capture(tshark, echo.port, () => Array.from({ length: runs }, () => clientRun(echo!.url)));
      const pairs = reported.filter((r) => wire.has(r.localPort));
      if (pairs.length === 0) throw new Error('tshark captured none of the runs\' connections');
      const note = `median of ${pairs.length} connections, each reported and captured`;
      rows.push(row(`${connectMetric} vs capture`, 'wstrace client connect', 'tshark SYN → SYN-ACK', median(pairs.map((r) => r.connectMs)), median(pairs.map((r) => wire.get(r.localPort)!.connectMs)), 'ms', WITHIN, note));
      rows.push(row(`${echoMetric} vs capture`, 'wstrace client echo 1', 'tshark frame → echo', median(pairs.map((r) => r.firstEchoMs)), median(pairs.map((r) => wire.get(r.localPort)!.firstEchoMs)), 'ms', WITHIN, note));
    } else {
      for (const m of [connectMetric, echoMetric]) rows.push(skipped(`${m} vs capture`, 'wstrace client', 'tshark', 'ms', WITHIN, 'tshark: not installed (apt-get install tshark)'));
    }
    return rows;
  } finally {
    await echo?.stop();
  }
}
