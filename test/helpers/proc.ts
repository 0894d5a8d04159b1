/**
 * What a spawned server holds, read from /proc (Linux): open file descriptors and resident
 * memory. A descriptor still open after every client left is a leak; RSS that grows with what a
 * peer declares (not with what it sends) is unbounded buffering.
 */
import { readdirSync, readFileSync } from 'node:fs';

export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples `read()` every `everyMs` until stopped; `max` is the largest value seen. */
export function sampler(read: () => number, everyMs = 25): { readonly max: number; stop(): number } {
  let max = read();
  const timer = setInterval(() => {
    try {
      max = Math.max(max, read());
    } catch {
      // The process is gone: keep the last figure.
    }
  }, everyMs);
  return {
    get max() {
      return max;
    },
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}

/** Resolves once `read()` is at most `target`, polling; resolves with the last value after `ms` either way. */
export async function settleTo(read: () => number, target: number, ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  let v = read();
  while (v > target && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = read();
  }
  return v;
}
