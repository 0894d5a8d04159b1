/**
 * The proxy's share of the serving-side warm-up (see endpoint/warmup.ts). Through a freshly
 * started `wstrace proxy` (its logger already loaded), the first one-shot client reported an
 * upgrade of 9.8–11.9 ms and a first echo of 0.56–0.73 ms, the second 2.3–2.7 and 0.37–0.74 ms;
 * with this warm-up the first read 2.4–3.4 and 0.33–0.45 ms (five alternating trials each).
 * Before a proxy (or a chain) announces itself, a private proxy in front of a private echo, both
 * on 127.0.0.1, serves the warm-up's connections; both are closed before the real ones start.
 * This warms the echo's paths too.
 */
import { startEcho } from '../endpoint/server.js';
import { warmServing, type WarmUp } from '../endpoint/warmup.js';
import { parseWsUrl } from '../net/url.js';
import { startProxy } from './server.js';

/** A proxy round costs about twice an echo round (two servers, two connections). */
const WARMUP_BUDGET_MS = 600;

let warmed: Promise<WarmUp> | undefined;

/** Resolves when the proxy's and the echo's paths are warm, or the budget ran out. */
export function warmProxy(): Promise<WarmUp> {
  warmed ??= warmServing(async (started) => {
    const echo = await startEcho({ host: '127.0.0.1', port: 0, name: 'warm-up' });
    started.push(echo);
    const proxy = await startProxy({ host: '127.0.0.1', port: 0, name: 'warm-up', targets: [parseWsUrl(`ws://127.0.0.1:${echo.port}`)] });
    started.push(proxy);
    return `ws://127.0.0.1:${proxy.port}${new URL(echo.url).pathname}`;
  }, WARMUP_BUDGET_MS);
  return warmed;
}
