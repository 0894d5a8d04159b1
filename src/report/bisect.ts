import type { BisectEvent, HopEvent, PlanEvent } from '../events.js';
import { row, table } from './format.js';
import { formatMs } from '../net/duration.js';
import type { Verdict } from '../diagnose/catalogue.js';
import type { BisectResult, CheckBisectResult, HopResult, LayerFigure } from '../bisect/types.js';
import { formatValue } from './probe.js';

/** Human lines for bisect's events: the plan, binary-search steps as they land, then the table and the break. */
export function renderBisectEvent(ev: BisectEvent): string[] | undefined {
  switch (ev.event) {
    case 'plan':
      return [renderPlan(ev)];
    case 'hop':
      // `all` prints nothing per hop: the rows arrive out of order, the table follows at once.
      return ev.step === undefined ? undefined : [renderStep(ev)];
    case 'result':
      return 'checks' in ev ? renderCheckResult(ev) : renderResult(ev);
    case 'check':
      return undefined;
  }
}

function renderPlan(ev: PlanEvent): string {
  const n = ev.hops.length;
  if (ev.checks) {
    return row(0, 'bisect', `${n} URL${n === 1 ? '' : 's'}, outermost first: check${ev.checks.length === 1 ? '' : 's'} ${ev.checks.join(', ')} at every URL at once; each bounded by ${seconds(ev.maxWaitMs ?? 0)}`);
  }
  const how = ev.strategy === 'binary' ? 'binary search (origin first, then halve)' : 'every URL at once';
  const repeat = ev.repeat > 1 ? `, ${ev.repeat} probes per URL` : '';
  return row(0, 'bisect', `${n} URL${n === 1 ? '' : 's'}, outermost first: ${how}${repeat}; deadline ${seconds(ev.timeoutMs)} per phase`);
}

function renderStep(h: HopEvent): string {
  return row(h.t, `probe ${h.step}`, `#${h.index + 1} "${h.name}": ${statusOf(h)} ${h.ok ? 'ok' : h.verdict?.code ?? 'failed'} in ${h.ms === null ? '?' : formatMs(h.ms)}`);
}

/** Table + the break line: what the user came for. */
export function renderResult(r: BisectResult): string[] {
  const repeat = r.repeat > 1;
  const header = ['#', 'name', 'URL', 'status', 'answer', ...(repeat ? ['failed'] : []), 'verdict'];
  const rows = r.hops.map((h) => [
    String(h.index + 1),
    h.name,
    h.at ? `${h.url} at ${h.at}` : h.url,
    h.probed ? statusOf(h) : '·',
    h.upgradeMs === null ? '' : formatMs(h.upgradeMs),
    ...(repeat ? [`${h.failures}/${h.runs} (${Math.round(h.rate * 100)}%)`] : []),
    !h.probed ? 'not probed' : h.ok ? 'ok' : `${h.verdict?.code ?? 'failed'}${h.intermittent ? ' (intermittent)' : ''}`,
  ]);
  const n = r.hops.length;
  const lines = [row(r.totalMs, 'probed', `${r.probes} probe${r.probes === 1 ? '' : 's'} over ${n} URL${n === 1 ? '' : 's'}`), ...table(header, rows).map((l) => `  ${l}`)];
  if (r.strategy === 'binary' && r.hops.some((h) => !h.probed)) {
    lines.push(`  (binary search trusts a monotone path: URLs marked · were not probed; --strategy all checks every one)`);
  }
  for (const a of r.alterations ?? []) {
    const v = (x: string | null) => (x === null ? 'absent' : `"${x}"`);
    lines.push(`  hop trace: "${a.name}" (#${a.index + 1}) changes ${a.header}: ${v(a.before)} → ${v(a.after)}`);
  }
  if (!r.break || !r.verdict) {
    lines.push(`ok: all ${n} URL${n === 1 ? '' : 's'} upgrade and answer: no break on this path`);
    return lines;
  }
  lines.push(...breakLines(r, r.verdict));
  return lines;
}

/** bisect --check: one column per check (its status and figure at each URL), then the break. */
function renderCheckResult(r: CheckBisectResult): string[] {
  const layers = r.checks[0]?.layers ?? [];
  const cell = (l: LayerFigure) => `${l.status.toUpperCase()} ${formatValue(l.value, l.unit)}${l.closeCode !== null && l.status !== 'pass' ? ` (${l.closeCode})` : ''}`;
  const rows = layers.map((l, i) => [String(l.index + 1), l.name, ...r.checks.map((c) => cell(c.layers[i]!))]);
  const lines = [row(r.totalMs, 'probed', `${r.checks.length} check${r.checks.length === 1 ? '' : 's'} × ${layers.length} URL${layers.length === 1 ? '' : 's'}`),
    ...table(['#', 'name', ...r.checks.map((c) => c.name)], rows).map((l) => `  ${l}`)];
  const broken = r.checks.filter((c) => c.break);
  if (!broken.length) return [...lines, `ok: every check agrees from the origin out: no break on this path`];
  for (const c of broken) {
    const b = c.break!;
    const at = b.inner === null ? `at the origin "${layers[b.outer]!.name}" (#${b.outer + 1})` : `between "${layers[b.outer]!.name}" (#${b.outer + 1}) and "${layers[b.inner]!.name}" (#${b.inner + 1})`;
    lines.push(`break ${at}: ${b.code} — ${b.verdict.summary}`, ...b.verdict.evidence.map((e) => `  evidence: ${e}`), `  next: ${b.verdict.next}`);
  }
  return lines;
}

function breakLines(r: BisectResult, v: Verdict): string[] {
  const b = r.break!;
  const outer = r.hops[b.outer]!;
  const name = (h: HopResult) => `"${h.name}" (#${h.index + 1})`;
  let head: string;
  if (r.hops.length === 1) head = `verdict: ${v.code}: ${v.summary}`;
  else if (b.inner === null) head = `break at the origin ${name(outer)}: ${v.code} — ${v.summary}`;
  else head = `break between ${name(outer)} and ${name(r.hops[b.inner]!)}: ${v.code} — ${v.summary}`;
  return [head, ...v.evidence.map((e) => `  evidence: ${e}`), `  next: ${v.next}`];
}

/** `2 s`, `1.5 s`, `250 ms`: how the user wrote it, not `2.000 s`. */
function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(3)} s` : `${ms} ms`;
}

function statusOf(h: HopResult): string {
  return h.status === null ? 'none' : String(h.status);
}
