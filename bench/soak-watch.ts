/**
 * `npm run soak:watch [-- --minutes 60] [--fault SPEC] [--out PATH]`
 *
 * Runs `wstrace watch` against `wstrace echo` (or through `wstrace proxy --fault SPEC`, so that
 * connections drop and reconnect all the time) for an hour, samples the watch process's RSS
 * from /proc every 10 s into PATH (NDJSON), and ends with a summary line: RSS after the warm-up
 * (the first 10 % of the run) compared with RSS over the last 10 %. Constant memory means the
 * difference stays within 10 %. Not part of `npm test`: it takes an hour.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, REPO_ROOT } from './lib/procs.js';

const SAMPLE_MS = 10_000;

interface Args {
  minutes: number;
  fault: string | undefined;
  out: string;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { minutes: 60, fault: undefined, out: path.join(REPO_ROOT, 'bench', 'soak-watch.ndjson') };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--minutes' && v && Number(v) > 0) a.minutes = Number(argv[++i]);
    else if (argv[i] === '--fault' && v) a.fault = argv[++i];
    else if (argv[i] === '--out' && v) a.out = path.resolve(argv[++i]!);
    else {
      process.stderr.write(`soak-watch: bad option "${argv[i]}" (--minutes N, --fault SPEC, --out PATH)\n`);
      process.exit(2);
    }
  }
  return a;
}

const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

/** Starts `wstrace ARGS --json`; resolves with the child and its first event (the listening line). */
function start(args: string[], onLine?: (line: string) => void): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  const child = spawn(process.execPath, [CLI, ...args, '--json', '--log-level', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let partial = '';
    let first: Record<string, unknown> | undefined;
    const timer = setTimeout(() => reject(new Error(`wstrace ${args[0]} printed nothing within 10 s`)), 10_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        if (!first) {
          first = JSON.parse(line) as Record<string, unknown>;
          clearTimeout(timer);
          resolve({ child, first });
        }
        onLine?.(line);
      }
    });
    child.once('exit', (code) => reject(new Error(`wstrace ${args[0]} exited ${code}`)));
  });
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const echo = await start(['echo', '--port', '0']);
  let url = String(echo.first.url);
  let proxy: ChildProcess | undefined;
  if (a.fault) {
    const p = await start(['proxy', '--port', '0', '--target', new URL(url).origin, '--fault', a.fault]);
    proxy = p.child;
    url = `${String(p.first.url).replace(/\/$/, '')}/echo`;
  }
  const counts: Record<string, number> = {};
  const args = ['watch', url, '--for', `${a.minutes}m`, '--interval', '100ms', '--every', '500ms', '--per-pattern', '2', '--summary', '60s'];
  const limits: unknown[] = [];
  const watch = await start(args, (line) => {
    const ev = JSON.parse(line) as { event: string };
    counts[ev.event] = (counts[ev.event] ?? 0) + 1;
    // The limits it inferred, kept (a handful) to show the inference stays right for an hour.
    if (ev.event === 'limit' && limits.length < 100) limits.push(ev);
  });
  writeFileSync(a.out, JSON.stringify({ event: 'soak', args, fault: a.fault ?? null, minutes: a.minutes, started: new Date().toISOString() }) + '\n');
  const t0 = performance.now();
  const samples: { t: number; rssKb: number }[] = [];
  const sample = () => {
    const s = { t: Math.round(performance.now() - t0), rssKb: rssKb(watch.child.pid!), echoRssKb: rssKb(echo.child.pid!), events: { ...counts } };
    samples.push(s);
    appendFileSync(a.out, JSON.stringify({ event: 'sample', ...s }) + '\n');
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  const code = await new Promise<number | null>((resolve) => watch.child.once('exit', resolve));
  clearInterval(timer);
  echo.child.kill('SIGINT');
  proxy?.kill('SIGINT');

  const total = a.minutes * 60_000;
  const after = samples.filter((s) => s.t >= total * 0.1);
  const early = after.filter((s) => s.t < total * 0.2).map((s) => s.rssKb);
  const late = after.filter((s) => s.t >= total * 0.9).map((s) => s.rssKb);
  const all = after.map((s) => s.rssKb);
  const growth = (mean(late) - mean(early)) / mean(early);
  const summary = {
    event: 'summary', exit: code, samples: samples.length, events: counts, limits,
    rssKb: { start: samples[0]?.rssKb, earlyMean: Math.round(mean(early)), lateMean: Math.round(mean(late)), minAfterWarmup: Math.min(...all), maxAfterWarmup: Math.max(...all) },
    growthPct: Math.round(growth * 1000) / 10,
    flat: Math.abs(growth) <= 0.1,
  };
  appendFileSync(a.out, JSON.stringify(summary) + '\n');
  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exitCode = summary.flat && code !== null ? 0 : 1;
}

await main();
