import { DEFAULT_TIMEOUT_MS } from '../constants.js';
import { warmUp } from '../client/warmup.js';
import type { BisectEvent, Reporter } from '../events.js';
import { attribute } from './cause.js';
import { localise, localiseChanges } from './localise.js';
import { relabel, traceLabels } from './labels.js';
import { atOf, probeHop, probeOnce } from './probe.js';
import { probeAll, probeBinary } from './strategy.js';
import type { BisectOptions, BisectResult, HopResult, HopSpec } from './types.js';

export type { Alteration, BisectOptions, BisectResult, Break, HopResult, HopSpec, Strategy } from './types.js';
export { STRATEGIES } from './types.js';
export { buildHops } from './hops.js';

/**
 * Probes the hops of one path (outermost first) and names the broken link. Emits `plan`, one
 * `hop` per probed URL as it completes, then one `result` (hops ordered by index). Never throws
 * for network trouble: every failure is a row with its own verdict.
 */
export async function bisect(opts: BisectOptions, reporter: Reporter<BisectEvent>): Promise<BisectResult> {
  // Paid before the clock starts, so the timeline shows the probes, not our start-up.
  await warmUp({ tls: opts.hops.some((h) => h.target.secure) });
  const t0 = performance.now();
  const strategy = opts.strategy ?? 'all';
  const repeat = opts.repeat ?? 1;
  const settings = { timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, connection: opts.connection };
  if (opts.hops.length === 0) throw new RangeError('bisect needs at least one hop');
  if (strategy === 'binary' && repeat !== 1) throw new RangeError('repeat needs strategy "all"');
  reporter.emit({
    event: 'plan', t: 0, strategy, repeat, timeoutMs: settings.timeoutMs,
    hops: opts.hops.map((h) => ({ index: h.index, name: h.name, url: h.target.url.href, at: atOf(h) })),
  });
  const onHop = (row: HopResult, step?: number) =>
    reporter.emit({ event: 'hop', t: round(performance.now() - t0), ...(step === undefined ? {} : { step }), ...row });
  const probe = (hop: HopSpec, runs: number) => probeHop(hop, settings, runs);
  const run = strategy === 'binary' ? await probeBinary(opts.hops, probe, onHop) : await probeAll(opts.hops, probe, repeat, onHop);

  const where = localise(run.hops);
  const alterations = localiseChanges(run.hops);
  const result: BisectResult = {
    ok: true, strategy, repeat, probes: run.probes, hops: run.hops, break: null,
    monotone: where.anomalies.length === 0, anomalies: where.anomalies, alterations, totalMs: 0,
  };
  if (where.outer !== null) {
    const outer = run.hops[where.outer]!;
    const inner = where.inner === null ? null : run.hops[where.inner]!;
    const v = relabel(attribute(outer, inner, run.hops.length === 1, alterations.filter((a) => a.index === outer.index)), traceLabels(run.hops));
    result.ok = false;
    result.break = { outer: where.outer, inner: where.inner, code: v.code };
    result.verdict = where.anomalies.length ? { ...v, evidence: [...v.evidence, ...where.anomalies.map((a) => `not monotone: ${a}`)] } : v;
    if (opts.connection?.http === '2' || opts.connection?.http === 'auto') {
      // Would HTTP/1.1 have worked at the broken hop? A browser falls back only when the hop it
      // talks to does not advertise extended CONNECT; anything later fails the page's WebSocket.
      const hop = opts.hops[where.outer]!;
      const h1 = await probeOnce(hop, { ...settings, connection: { ...settings.connection, http: '1.1' } });
      result.fallback = { index: where.outer, ok: h1.ok, code: h1.verdict?.code ?? null };
      result.verdict.evidence.push(h1.ok
        ? `over HTTP/1.1 the same URL works (${h1.status ?? '?'}): only WebSockets over HTTP/2 break at "${hop.name}"`
        : `over HTTP/1.1 it fails too (${h1.verdict?.code ?? '?'}): the hop is broken for every WebSocket, not only over HTTP/2`);
    }
  }
  result.totalMs = round(performance.now() - t0);
  reporter.emit({ event: 'result', ...result });
  return result;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
