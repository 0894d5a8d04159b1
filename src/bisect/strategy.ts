import { notProbed } from './probe.js';
import type { HopResult, HopSpec } from './types.js';

export interface StrategyRun {
  hops: HopResult[];
  /** Probe runs made (a hop probed with --repeat N counts N). */
  probes: number;
}

/** `step` is the probe's position in a binary search (1-based); absent for `all`. */
export type OnHop = (hop: HopResult, step?: number) => void;

/** Probes one hop `runs` times and folds them into a row (src/bisect/probe.ts in real use). */
export type ProbeFn = (hop: HopSpec, runs: number) => Promise<HopResult>;

/**
 * Every hop at once: the total is about the slowest probe (one --timeout for a hung hop), and
 * every URL gets a row, so a path that is not monotone shows up. With `repeat` each hop's
 * probes run in sequence (so a round-robin pool rotates through its members).
 */
export async function probeAll(hops: HopSpec[], probe: ProbeFn, repeat: number, onHop: OnHop): Promise<StrategyRun> {
  const rows = await Promise.all(
    hops.map(async (hop) => {
      const row = await probe(hop, repeat);
      onHop(row);
      return row;
    }),
  );
  return { hops: rows, probes: hops.length * repeat };
}

/**
 * git-bisect over the path for expensive probes: the origin first (if it fails, nothing outside
 * it can work: inner = null), then halve [0, n-1] for the outermost working URL, trusting that
 * everything behind a working URL works too. ⌈log2 n⌉ + 1 probes; URLs it never needed stay
 * `probed: false`. On a monotone path it finds the same boundary as `all`.
 */
export async function probeBinary(hops: HopSpec[], probeFn: ProbeFn, onHop: OnHop): Promise<StrategyRun> {
  const rows: HopResult[] = hops.map(notProbed);
  let step = 0;
  const probe = async (i: number): Promise<boolean> => {
    const row = await probeFn(hops[i]!, 1);
    rows[i] = row;
    onHop(row, ++step);
    return row.ok;
  };
  const origin = hops.length - 1;
  if (await probe(origin)) {
    // Invariant: `hi` works; every URL before `lo` has failed (or is assumed to).
    let lo = 0;
    let hi = origin;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (await probe(mid)) hi = mid;
      else lo = mid + 1;
    }
  }
  return { hops: rows, probes: step };
}
