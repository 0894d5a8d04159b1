/**
 * `npm run bench [-- --quick | --smoke] [--repeat N] [--out PATH] [--only echo,hops,memory,startup,fidelity]`
 *
 * Starts every peer on loopback, runs the same workload against each in the same run, prints
 * absolute figures and the ratio to the reference peer, and writes bench/results.json. With
 * --repeat N (default: the profile's) every section runs N times, interleaved (all sections, then
 * all again), and each row reports the median ratio with its min–max spread over the runs, so a
 * noisy neighbour shows as spread instead of as a miss. A
 * benchmark reports; it does not judge the build: a missed target is a "NO" in the table, not a
 * failing exit code. Exit 1 only when the harness itself breaks, 2 for a bad option.
 */
import path from 'node:path';
import { BENCH_DIST, REPO_ROOT, startNode, version, type Child } from './lib/procs.js';
import os from 'node:os';
import { machine, mergeRuns, renderTable, writeResults, type Row } from './lib/results.js';
import { stamp } from '../src/report/format.js';
import { PROFILES, type Context, type Profile } from './sections/context.js';
import { echoSection } from './sections/echo.js';
import { hopsSection } from './sections/hops.js';
import { memorySection } from './sections/memory.js';
import { startupSection } from './sections/startup.js';
import { fidelitySection } from './sections/fidelity.js';

const SECTIONS = { echo: echoSection, hops: hopsSection, memory: memorySection, startup: startupSection, fidelity: fidelitySection } as const;
type SectionName = keyof typeof SECTIONS;

interface Args {
  profile: Profile;
  repeat: number;
  out: string;
  only: SectionName[];
}

function parseArgs(argv: string[]): Args {
  let profile: Profile = PROFILES.full;
  let out = path.join(REPO_ROOT, 'bench', 'results.json');
  let only = Object.keys(SECTIONS) as SectionName[];
  let repeat: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') profile = PROFILES.quick;
    else if (a === '--smoke') profile = PROFILES.smoke;
    else if (a === '--out' || a.startsWith('--out=')) {
      const v = a === '--out' ? argv[++i] : a.slice('--out='.length);
      if (!v) usage('--out needs a file path');
      out = path.resolve(v);
    } else if (a === '--only' || a.startsWith('--only=')) {
      const v = (a === '--only' ? argv[++i] : a.slice('--only='.length)) ?? '';
      only = v.split(',').filter(Boolean) as SectionName[];
      const bad = only.find((s) => !(s in SECTIONS));
      if (bad || only.length === 0) usage(`bad --only "${v}": use a comma list of ${Object.keys(SECTIONS).join(', ')}`);
    } else if (a === '--repeat' || a.startsWith('--repeat=')) {
      const v = (a === '--repeat' ? argv[++i] : a.slice('--repeat='.length)) ?? '';
      repeat = Number(v);
      if (!/^\d+$/.test(v) || repeat < 1 || repeat > 50) usage(`bad --repeat "${v}": a whole number of runs from 1 to 50`);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node dist/bench/run.js [--quick | --smoke] [--repeat N] [--out PATH] [--only echo,hops,memory,startup,fidelity]\n');
      process.exit(0);
    } else usage(`unknown option "${a}"`);
  }
  return { profile, repeat: repeat ?? profile.repeat, out, only };
}

const r2 = (n: number) => Math.round(n * 100) / 100;

function usage(msg: string): never {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const log = (text: string) => process.stderr.write(`${stamp(performance.now() - t0)} ${text}\n`);
  const machineText = machine([
    `nginx ${version('/usr/sbin/nginx', ['-v'], /nginx\/([\d.]+)/)}`,
    `HAProxy ${version('/usr/sbin/haproxy', ['-v'], /version ([\d.]+)/i)}`,
  ]);
  const load = { start: r2(os.loadavg()[0]!), end: 0 };
  log(`bench (${args.profile.name}, ${args.repeat} run${args.repeat > 1 ? 's' : ''} per section) on ${machineText}; load average ${os.loadavg().map(r2).join(' ')}`);
  let origin: Child | undefined;
  const runs: Row[][] = [];
  let broken = false;
  try {
    origin = await startNode('ws echo (bare)', path.join(BENCH_DIST, 'peers', 'ws-echo.js'), []);
    const ctx: Context = { profile: args.profile, origin, log };
    for (let run = 1; run <= args.repeat; run++) {
      if (args.repeat > 1) log(`run ${run} of ${args.repeat} (load average ${os.loadavg().map(r2).join(' ')})`);
      const rows: Row[] = [];
      for (const name of args.only) {
        try {
          rows.push(...(await SECTIONS[name](ctx)));
        } catch (e) {
          broken = true;
          log(`section ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      runs.push(rows);
    }
  } finally {
    await origin?.stop();
  }
  const rows = mergeRuns(runs);
  load.end = r2(os.loadavg()[0]!);
  process.stdout.write(`\n${renderTable(rows).join('\n')}\n\n`);
  writeResults(args.out, machineText, args.profile.name, args.repeat, load, rows);
  log(`wrote ${path.relative(process.cwd(), args.out) || args.out} (${rows.length} rows) in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg().map(r2).join(' ')}`);
  if (broken) process.exitCode = 1;
}

await main();
