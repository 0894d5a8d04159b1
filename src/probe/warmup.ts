/**
 * probe's share of "measure the network, not wstrace". probe speaks through its own raw
 * connections (open.ts, its frame code, its HTTP head parser), which the client's warm-up does
 * not touch. Cold, its figures were wstrace's: against a warm local echo, `handshake` read
 * 1.4–2.2 ms and `close-reply` 5.6–6.5 ms; with this warm-up (~85 ms) 0.2–0.9 and 0.8–5.3 (five
 * alternating runs each; the checks after `handshake` run at once, hence the spread), where the
 * client's upgrade reads 0.5. So before the first timed check, the quick checks run
 * against a private echo on 127.0.0.1 (no --max-message megabytes, no long waits), bounded by
 * short deadlines, silently; the echo is closed afterwards. Once per process, never fails the
 * caller. runProbe's callers (the probe command, bisect --check) call it; runProbe does not, so
 * that this module can call runProbe.
 */
import { startEcho, type EchoEndpoint } from '../endpoint/server.js';
import { memoryReporter } from '../events.js';
import { parseWsUrl } from '../net/url.js';
import { CHECKS } from './registry.js';
import { runProbe } from './run.js';

const ROUNDS = 2;
/** Per step and per check: a warm-up that stalls ends quickly, and leaves nothing behind. */
const STEP_MS = 500;
/** No round starts after this; one runs at most STEP_MS plus the runner's grace. */
const BUDGET_MS = 400;

/** What the warm-up did: rounds run, and how many checks passed in the last (all, when it worked). */
export interface ProbeWarmUp {
  rounds: number;
  checks: number;
  passed: number;
}

let warmed: Promise<ProbeWarmUp> | undefined;

export function warmProbe(): Promise<ProbeWarmUp> {
  warmed ??= run().catch(() => ({ rounds: 0, checks: 0, passed: 0 }));
  return warmed;
}

async function run(): Promise<ProbeWarmUp> {
  const t0 = performance.now();
  const checks = CHECKS.filter((c) => !c.long && !c.heavy);
  const done: ProbeWarmUp = { rounds: 0, checks: checks.length, passed: 0 };
  let echo: EchoEndpoint | undefined;
  try {
    echo = await startEcho({ host: '127.0.0.1', port: 0, name: 'warm-up' });
    for (let i = 0; i < ROUNDS && performance.now() - t0 < BUDGET_MS; i++) {
      const r = await runProbe(
        { target: parseWsUrl(echo.url), checks, timeoutMs: STEP_MS, maxWaitMs: STEP_MS, maxSize: 1 << 16, subprotocols: [], headers: {}, tls: {} },
        memoryReporter(),
      );
      done.rounds++;
      done.passed = r.rows.filter((row) => row.status === 'pass').length;
    }
  } finally {
    await echo?.close();
  }
  return done;
}
