/**
 * bisect = checks × layers: probe's checks run at every layer's URL at once, and the neighbour
 * rule applies to each check's outcome *and* figure. An idle cut at 3 s at layer k and none at
 * layer k+1 places the cut between them, though every handshake works. Total time is about the
 * slowest check, each bounded by --max-wait.
 */
import { NEXT_STEP, verdict } from '../diagnose/catalogue.js';
import { memoryReporter, type BisectEvent, type Reporter } from '../events.js';
import type { Check, ProbeSettings } from '../probe/check.js';
import { msSince } from '../net/duration.js';
import { runProbe, type CheckRow } from '../probe/run.js';
import { warmProbe } from '../probe/warmup.js';
import { atOf, reachOf } from './probe.js';
export type { CheckBisectResult, CheckBreak, LayerFigure } from './types.js';
import type { CheckBisectResult, CheckBreak, HopSpec, LayerFigure } from './types.js';

export interface CheckBisectOptions {
  hops: HopSpec[];
  checks: readonly Check[];
  /** Everything a probe takes except the target and headers, which come from each hop. */
  probe: Omit<ProbeSettings, 'target' | 'headers'>;
}

export async function bisectChecks(opts: CheckBisectOptions, reporter: Reporter<BisectEvent>): Promise<CheckBisectResult> {
  // The checks' figures are the hops', not probe's cold code (probe/warmup.ts).
  await warmProbe();
  const t0 = performance.now();
  reporter.emit({
    event: 'plan', t: 0, strategy: 'all', repeat: 1, timeoutMs: opts.probe.timeoutMs, maxWaitMs: opts.probe.maxWaitMs,
    checks: opts.checks.map((c) => c.name), hops: opts.hops.map((h) => ({ index: h.index, name: h.name, url: h.target.url.href, at: atOf(h) })),
  });
  const perLayer = await Promise.all(opts.hops.map(async (hop) => {
    const r = await runProbe({ ...opts.probe, target: hop.target, headers: hop.headers, checks: opts.checks, reach: reachOf(hop, opts.probe.reach) }, memoryReporter());
    for (const row of r.rows) {
      reporter.emit({
        event: 'check', t: msSince(t0), hop: hop.index, hopName: hop.name, name: row.name, status: row.status,
        value: row.value, unit: row.unit, closeCode: row.closeCode ?? null, summary: row.summary, evidence: row.evidence, ...(row.verdict ? { code: row.verdict } : {}),
      });
    }
    return r.rows;
  }));
  const checks = opts.checks.map((c, ci) => {
    const layers: LayerFigure[] = opts.hops.map((h, i) => {
      const row = perLayer[i]![ci]!;
      return { index: h.index, name: h.name, status: row.status, value: row.value, unit: row.unit, closeCode: row.closeCode ?? null, summary: row.summary, code: row.verdict ?? null };
    });
    const rows = perLayer.map((r) => r[ci]!);
    return { name: c.name, layers, break: localiseFigure(c.name, layers, rows) };
  });
  const first = checks.find((c) => c.break)?.break ?? null;
  const result: CheckBisectResult = {
    ok: !first, checks, break: first && { outer: first.outer, inner: first.inner, code: first.code, check: first.check },
    ...(first ? { verdict: first.verdict } : {}), totalMs: msSince(t0),
  };
  reporter.emit({ event: 'result', ...result });
  return result;
}

/**
 * Walk out from the origin: the first layer whose figure differs from the one behind it is where
 * the path changes; the hop at that layer is the one to look at. When every layer agrees and
 * the origin fails, the origin itself is the cause.
 */
function localiseFigure(check: string, layers: LayerFigure[], rows: CheckRow[]): CheckBreak | null {
  const n = layers.length;
  for (let i = n - 2; i >= 0; i--) {
    if (same(layers[i]!, layers[i + 1]!)) continue;
    const outer = layers[i]!;
    const inner = layers[i + 1]!;
    if (outer.status === 'pass') return null; // better further out than in: not a break this rule can place
    const code = outer.code ?? 'protocol-error';
    const fig = (l: LayerFigure) => `"${l.name}" (#${l.index + 1}): ${l.status.toUpperCase()}${l.value === null ? '' : ` ${String(l.value)}${l.unit ? ` ${l.unit}` : ''}`} — ${l.summary}`;
    const next = rows[i]!.next ?? NEXT_STEP[code];
    return {
      check, outer: i, inner: i + 1, code,
      verdict: verdict(code, `${check}: "${outer.name}" (#${i + 1}) ${outer.summary}; "${inner.name}" (#${i + 2}) behind it: ${inner.summary}`,
        [fig(outer), fig(inner), ...rows[i]!.evidence], `fix "${outer.name}": ${next}`),
    };
  }
  const origin = layers[n - 1]!;
  if (origin.status !== 'fail') return null;
  const code = origin.code ?? 'protocol-error';
  return {
    check, outer: n - 1, inner: null, code,
    verdict: verdict(code, `${check}: the origin "${origin.name}" (#${n}) itself: ${origin.summary}${n > 1 ? '; every layer in front of it agrees' : ''}`,
      rows[n - 1]!.evidence, rows[n - 1]!.next ?? NEXT_STEP[code]),
  };
}

/** Same outcome, and for a non-pass the same figure (durations within 0.5 s or 15 %). */
function same(a: LayerFigure, b: LayerFigure): boolean {
  if (a.status !== b.status) return false;
  if (a.status === 'pass') return true;
  if (typeof a.value === 'number' && typeof b.value === 'number' && (a.unit === 's' || a.unit === 'ms')) {
    const tolerance = Math.max(a.unit === 's' ? 0.5 : 500, 0.15 * Math.max(a.value, b.value));
    return Math.abs(a.value - b.value) <= tolerance && a.closeCode === b.closeCode;
  }
  return a.value === b.value && a.closeCode === b.closeCode;
}
