/**
 * The proxy's share of the serving-side warm-up (see endpoint/warmup.ts). Through a freshly
 * started `wstrace proxy`, the first one-shot client reported an upgrade of 11 ms and a first
 * echo of 17.6 ms, where the next one read 2.5 ms and 1.5 ms: the proxy's upgrade, Via and
 * tunnel code ran cold for the first connections. Before a proxy (or a chain) announces itself,
 * a private proxy in front of a private echo, both on 127.0.0.1, serves the warm-up's
 * connections; both are closed before the real ones start. This warms the echo's paths too.
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
