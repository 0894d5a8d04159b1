import type { Child } from '../lib/procs.js';
import type { Timing } from '../lib/workloads.js';

export interface Profile {
  name: 'full' | 'quick' | 'smoke';
  timing: Timing;
  /** [bytes, in flight, label] per throughput workload. */
  throughput: [number, number, string][];
  idleConnections: number;
  startupRuns: number;
  /**
   * Runs of every section (--repeat's default): 3 for the full run; 2 for --quick, where 3 took
   * about 4 minutes (one run ~110 s: four hops, five memory subjects, start-up, fidelity).
   */
  repeat: number;
}

export interface Context {
  profile: Profile;
  /** The common origin behind every proxy: the bare ws echo. */
  origin: Child;
  log(text: string): void;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  full: { name: 'full', timing: { measureMs: 6_000, warmupMs: 1_000, rounds: 3 }, throughput: [[64, 64, '64 B x 64'], [16_384, 16, '16 KiB x 16']], idleConnections: 10_000, startupRuns: 20, repeat: 3 },
  quick: { name: 'quick', timing: { measureMs: 1_000, warmupMs: 200, rounds: 2 }, throughput: [[64, 64, '64 B x 64'], [16_384, 16, '16 KiB x 16']], idleConnections: 2_000, startupRuns: 7, repeat: 2 },
  smoke: { name: 'smoke', timing: { measureMs: 120, warmupMs: 40, rounds: 1 }, throughput: [[64, 8, '64 B x 8'], [1_024, 4, '1 KiB x 4']], idleConnections: 40, startupRuns: 1, repeat: 1 },
};
