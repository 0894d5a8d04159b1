/**
 * The soak: every fault kind and the frame tap, each on its own real `wstrace proxy` process,
 * in front of a real `wstrace echo` and a second echo that is SIGKILLed and restarted over and
 * over (an upstream that dies mid-connection). Clients leave in every phase (resets, data with
 * the reset, half-closes, goodbyes, 3 GiB frames, slow and half-sent requests) for the whole
 * run. Afterwards every proxy's and the echo's descriptors must be back at their baseline within
 * --timeout + 1 s (plus headroom), RSS back within a bound, and no process may have printed an
 * unexpected error or a stack, or have died.
 *
 *   npm run soak -- --minutes 10          the long run (figures go in docs/reliability.md)
 *   npm run soak -- --smoke               20 s, part of npm test (test/soak-smoke.test.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startCliServer } from '../helpers/cli.js';
import { fdCount, rssBytes } from '../helpers/proc.js';
import { MOVES, runMove, type Move } from '../helpers/hostile-clients.js';
import { prng } from '../helpers/prng.js';
import { FAULT_KINDS } from '../../src/proxy/faults/registry.js';

export interface SoakOptions {
  /** How long clients keep coming. */
  trafficMs: number;
  /** Clients in flight at once. */
  concurrency: number;
  seed: number;
  /** Every server's --timeout, in ms. */
  timeoutMs: number;
  /** The victim echo is killed this often (and restarted 200 ms later). */
  killEveryMs: number;
  /** RSS a process may keep above its baseline once the traffic is over. */
  rssBoundBytes: number;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

export interface ProcessFigures {
  name: string;
  baselineFds: number;
  maxFds: number;
  finalFds: number;
  baselineRss: number;
  maxRss: number;
  finalRss: number;
}

export interface SoakFigures {
  seed: number;
  trafficMs: number;
  connections: number;
  /** Connections the client ended with a TCP reset. */
  resets: number;
  moves: Record<Move, number>;
  /** Fault kinds driven (every kind in the registry) and the proxies they ran on. */
  faultKinds: number;
  proxies: number;
  upstreamKills: number;
  /** How long after the traffic stopped every descriptor count was back at baseline. */
  settleMs: number;
  processes: ProcessFigures[];
  failures: string[];
}

/** One proxy per group; together they cover every fault kind, plus the frame tap. */
export const GROUPS: { name: string; faults: string[]; traceFrames?: boolean }[] = [
  { name: 'hang', faults: ['hang'] },
  { name: 'hang-after-101', faults: ['hang=after-101'] },
  { name: 'blackhole', faults: ['blackhole=200ms'] },
  { name: 'slow-path', faults: ['latency=10ms,jitter=5ms', 'slicer', 'bandwidth=256k'] },
  { name: 'frame-aware', faults: ['drop-close', 'drop-pong', 'corrupt-rsv1', 'max-message=64k'] },
  { name: 'lifetimes', faults: ['idle-timeout=500ms', 'max-lifetime=1s', 'reset-after=16k', 'drain=2s'] },
  { name: 'strip-upgrade', faults: ['strip-upgrade'] },
  { name: 'status', faults: ['status=503'] },
  { name: 'headers', faults: ['strip-header=Sec-WebSocket-Protocol', 'set-header=X-Soak:1', 'strip-extensions'] },
  { name: 'h2-settings', faults: ['no-extended-connect'] },
  { name: 'trace-frames', faults: [], traceFrames: true },
];

const RESET_MOVES = new Set<Move>(['rst-on-connect', 'rst-mid-head', 'rst-after-head', 'rst-after-101', 'rst-with-data', 'oversized-frame']);

/** Lines on a server's stderr that mean something went wrong that no client input should cause. */
const UNEXPECTED = /unexpected|^\s+at |Uncaught|"level":60|ERR_INTERNAL/m;

export async function soak(opts: SoakOptions): Promise<SoakFigures> {
  const say = opts.progress ?? (() => {});
  const failures: string[] = [];
  const covered = new Set(GROUPS.flatMap((g) => g.faults.map((f) => /^[a-z0-9-]+/.exec(f)![0])));
  for (const k of FAULT_KINDS) if (!covered.has(k.kind)) failures.push(`fault kind "${k.kind}" is not driven by the soak: add it to GROUPS`);

  const common = ['--timeout', `${opts.timeoutMs}ms`, '--log-level', 'warn'];
  let victim = await startCliServer(undefined, ['echo', '--port', '0', '--name', 'victim', ...common], 30_000);
  const victimPort = victim.port;
  const victimStderr: string[] = [];
  const servers = await startServers({ timeoutMs: opts.timeoutMs, victimPort, groups: GROUPS.map((g) => ({ name: g.name, faults: g.faults, traceFrames: g.traceFrames ?? false })) });
  try {
    const pid = servers.child.pid!;
    const fig: ProcessFigures = { name: 'echo + proxies', baselineFds: fdCount(pid), maxFds: 0, finalFds: 0, baselineRss: rssBytes(pid), maxRss: 0, finalRss: 0 };
    fig.maxFds = fig.baselineFds;
    fig.maxRss = fig.baselineRss;
    const sample = () => {
      try {
        fig.maxFds = Math.max(fig.maxFds, fdCount(pid));
        fig.maxRss = Math.max(fig.maxRss, rssBytes(pid));
      } catch {
        // Gone: reported below as a death.
      }
    };
    const sampler = setInterval(sample, 250);

    // The victim upstream dies (SIGKILL: no close frames, no FIN handshake) and comes back.
    let upstreamKills = 0;
    let killing = true;
    const killer = (async () => {
      while (killing) {
        await sleep(opts.killEveryMs);
        if (!killing) break;
        victimStderr.push(victim.stderr());
        victim.kill('SIGKILL');
        await victim.exited;
        upstreamKills++;
        await sleep(200);
        try {
          victim = await startCliServer(undefined, ['echo', '--port', String(victimPort), '--name', 'victim', ...common], 30_000);
        } catch (e) {
          failures.push(`victim echo did not restart on port ${victimPort}: ${(e as Error).message}`);
          break;
        }
      }
    })();

    const rnd = prng(opts.seed);
    const moves = Object.fromEntries(MOVES.map((m) => [m, 0])) as Record<Move, number>;
    let connections = 0;
    let resets = 0;
    const t0 = performance.now();
    let lastReport = t0;
    const worker = async () => {
      while (performance.now() - t0 < opts.trafficMs) {
        const move = MOVES[Math.floor(rnd() * MOVES.length)]!;
        const port = servers.proxyPorts[Math.floor(rnd() * servers.proxyPorts.length)]!;
        moves[move]++;
        connections++;
        if (RESET_MOVES.has(move)) resets++;
        await runMove(port, move, { ms: 100 + Math.floor(rnd() * 1_400), oversizedBytes: 1024 * 1024 });
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          sample();
          say(`[${((lastReport - t0) / 1000).toFixed(0).padStart(4)} s] ${connections} connections, ${resets} resets, ${upstreamKills} upstream kills, max fds ${fig.maxFds}, max RSS ${mib(fig.maxRss)} MiB`);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    killing = false;
    await killer;
    const trafficMs = Math.round(performance.now() - t0);

    // Everything the clients opened must be gone within --timeout + 1 s; headroom for a loaded machine.
    const tStop = performance.now();
    const settleBound = opts.timeoutMs + 1_000 + 4_000;
    while (fdCount(pid) > fig.baselineFds && performance.now() - tStop < settleBound) await sleep(50);
    const settleMs = Math.round(performance.now() - tStop);
    clearInterval(sampler);
    if (servers.child.exitCode !== null || servers.child.signalCode !== null) {
      failures.push(`the server process died (${servers.child.exitCode ?? servers.child.signalCode}): ${servers.stderr().slice(-800)}`);
    } else {
      fig.finalFds = fdCount(pid);
      fig.finalRss = rssBytes(pid);
      if (fig.finalFds > fig.baselineFds) failures.push(`${fig.finalFds} fds ${settleMs} ms after the traffic stopped, baseline ${fig.baselineFds}; still held: ${await servers.report()}`);
      if (fig.finalRss > fig.baselineRss + opts.rssBoundBytes) failures.push(`RSS ${mib(fig.finalRss)} MiB after the run, baseline ${mib(fig.baselineRss)} MiB (bound +${mib(opts.rssBoundBytes)} MiB)`);
    }
    for (const [text, name] of [[servers.stderr(), 'echo + proxies'], ...[...victimStderr, victim.stderr()].map((s) => [s, 'victim echo'])] as [string, string][]) {
      const m = UNEXPECTED.exec(text);
      if (m) failures.push(`${name} printed an unexpected error: ${text.slice(Math.max(0, m.index - 200), m.index + 300)}`);
    }
    return { seed: opts.seed, trafficMs, connections, resets, moves, faultKinds: covered.size, proxies: servers.proxyPorts.length, upstreamKills, settleMs, processes: [fig], failures };
  } finally {
    // Both must still stop by themselves on SIGINT: a leaked handle would keep them up.
    const stops = [servers.stop()];
    if (victim.child.exitCode === null && victim.child.signalCode === null) stops.push(victim.stop(5_000).then(() => undefined));
    for (const r of await Promise.allSettled(stops)) if (r.status === 'rejected') failures.push(`stop: ${(r.reason as Error).message.slice(0, 300)}`);
  }
}

interface Servers {
  child: ChildProcess;
  proxyPorts: number[];
  stderr(): string;
  report(): Promise<string>;
  stop(): Promise<void>;
}

async function startServers(config: unknown): Promise<Servers> {
  const script = fileURLToPath(new URL('./servers.js', import.meta.url));
  const child = spawn(process.execPath, [script, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = async (from: number, ms: number): Promise<string> => {
    const deadline = performance.now() + ms;
    while (!out.includes('\n', from)) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`soak servers: no line within ${ms} ms; stderr: ${err.slice(-800)}`);
      await sleep(20);
    }
    return out.slice(from, out.indexOf('\n', from));
  };
  const listening = JSON.parse(await line(0, 30_000)) as { proxies: { port: number }[] };
  return {
    child,
    proxyPorts: listening.proxies.map((p) => p.port),
    stderr: () => err,
    async report() {
      const from = out.length;
      child.stdin!.write('report\n');
      return line(from, 5_000).catch((e: Error) => e.message);
    },
    async stop() {
      child.kill('SIGINT');
      const hung = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
      if (hung) {
        child.kill('SIGKILL');
        throw new Error(`soak servers did not exit by themselves within 5 s of SIGINT (a leaked handle?); stderr: ${err.slice(-500)}`);
      }
      if (child.exitCode !== 0) throw new Error(`soak servers exited ${child.exitCode ?? child.signalCode}; stderr: ${err.slice(-500)}`);
    },
  };
}

export function mib(n: number): string {
  return (n / 1024 ** 2).toFixed(1);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Aligned figures, one process a line. */
export function renderFigures(f: SoakFigures): string[] {
  const lines = [
    `soak: ${f.connections} connections in ${(f.trafficMs / 1000).toFixed(0)} s (seed ${f.seed}), ${f.resets} client resets, ${f.upstreamKills} upstream kills, ${f.faultKinds} fault kinds on ${f.proxies} proxies`,
    `  moves: ${Object.entries(f.moves).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  descriptors back at baseline ${f.settleMs} ms after the traffic stopped`,
    `  ${'process'.padEnd(22)} ${'fds base/max/end'.padStart(18)} ${'RSS MiB base/max/end'.padStart(22)}`,
  ];
  for (const p of f.processes) {
    lines.push(`  ${p.name.padEnd(22)} ${`${p.baselineFds}/${p.maxFds}/${p.finalFds}`.padStart(18)} ${`${mib(p.baselineRss)}/${mib(p.maxRss)}/${mib(p.finalRss)}`.padStart(22)}`);
  }
  lines.push(f.failures.length ? `FAIL: ${f.failures.length} problem(s)` : 'PASS');
  for (const x of f.failures) lines.push(`  - ${x}`);
  return lines;
}

/** Smoke settings: the whole run, start to stop, in about 20 s. */
export const SMOKE: SoakOptions = { trafficMs: 7_000, concurrency: 12, seed: 1, timeoutMs: 1_000, killEveryMs: 3_000, rssBoundBytes: 48 * 1024 ** 2 };

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const minutes = Number(arg('--minutes') ?? 1);
  if (!(minutes > 0)) throw new Error(`bad --minutes "${arg('--minutes')}"`);
  const opts: SoakOptions = argv.includes('--smoke')
    ? { ...SMOKE }
    : { trafficMs: minutes * 60_000, concurrency: Number(arg('--concurrency') ?? 24), seed: Number(arg('--seed') ?? Date.now() % 100_000), timeoutMs: 2_000, killEveryMs: 5_000, rssBoundBytes: 64 * 1024 ** 2 };
  opts.progress = (line) => process.stderr.write(line + '\n');
  const figures = await soak(opts);
  if (argv.includes('--json')) process.stdout.write(JSON.stringify({ event: 'soak', ...figures }) + '\n');
  else process.stdout.write(renderFigures(figures).join('\n') + '\n');
  process.exitCode = figures.failures.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
