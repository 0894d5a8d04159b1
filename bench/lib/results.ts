/** Rows of bench/results.json and the printed table: absolute figures, ratio to the peer, target. */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { table } from '../../src/report/format.js';

export type Target =
  | { kind: 'ratio<='; x: number }
  | { kind: 'ratio>='; x: number }
  | { kind: 'value<='; x: number }
  | { kind: 'diff<='; x: number }
  /** value <= factor x peerValue + plus: "as good as the reference, within noise". */
  | { kind: 'within'; factor: number; plus: number }
  | null;

export interface Row {
  metric: string;
  subject: string;
  peer: string;
  value: number | null;
  peerValue: number | null;
  unit: string;
  /** value / peerValue. */
  ratio: number | null;
  target: string;
  /** null: informational row, or a peer that could not run (see `note`). */
  met: boolean | null;
  /** The target as data, so rows merged over --repeat runs can be judged again. */
  rule: Target;
  /**
   * With --repeat N: how many runs measured this row, and the smallest and largest ratio (value
   * when the row has no peer) over them. value, peerValue and ratio are then each the median of
   * the runs' figures (so ratio is the median ratio, not value / peerValue).
   */
  runs?: number;
  spread?: { of: 'ratio' | 'value'; min: number; max: number };
  note?: string;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

export function row(metric: string, subject: string, peer: string, value: number | null, peerValue: number | null, unit: string, target: Target, note?: string): Row {
  const ratio = value !== null && peerValue !== null && peerValue !== 0 ? r3(value / peerValue) : null;
  return {
    metric, subject, peer, value: value === null ? null : r3(value), peerValue: peerValue === null ? null : r3(peerValue), unit, ratio, ...judge(target, value, peerValue, ratio, unit), rule: target,
    ...(note ? { note } : {}),
  };
}

function judge(target: Target, value: number | null, peerValue: number | null, ratio: number | null, unit: string): { target: string; met: boolean | null } {
  let met: boolean | null = null;
  let text = 'none (informational)';
  if (target) {
    if (target.kind === 'ratio<=') text = `ratio <= ${target.x}`;
    if (target.kind === 'ratio>=') text = `ratio >= ${target.x}`;
    if (target.kind === 'value<=') text = `value <= ${target.x} ${unit}`;
    if (target.kind === 'diff<=') text = `value - peerValue <= ${target.x} ${unit}`;
    if (target.kind === 'within') text = `value <= ${target.factor} x peerValue + ${target.plus} ${unit}`;
    if (value !== null && (target.kind === 'value<=' || peerValue !== null)) {
      if (target.kind === 'ratio<=') met = ratio !== null && ratio <= target.x;
      if (target.kind === 'ratio>=') met = ratio !== null && ratio >= target.x;
      if (target.kind === 'value<=') met = value <= target.x;
      if (target.kind === 'diff<=') met = value - peerValue! <= target.x;
      if (target.kind === 'within') met = value <= target.factor * peerValue! + target.plus;
    }
  }
  return { target: text, met };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/**
 * The rows of N runs (--repeat) as one row per metric, subject and peer: the median of each
 * figure, judged on the median, with the min–max spread of the ratio (of the value for rows
 * without a peer). A run that could not measure a row does not count; notes come from the last
 * run that measured it. Order: first appearance.
 */
export function mergeRuns(runs: Row[][]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const rows of runs) {
    for (const r of rows) {
      const key = `${r.metric}\u0000${r.subject}\u0000${r.peer}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
  }
  return [...groups.values()].map((all) => {
    const measured = all.filter((r) => r.value !== null);
    const last = measured.at(-1) ?? all.at(-1)!;
    if (measured.length === 0) return { ...last, runs: 0 };
    const pick = (f: (r: Row) => number | null) => {
      const xs = measured.map(f).filter((x): x is number => x !== null);
      return xs.length ? xs : null;
    };
    const values = pick((r) => r.value)!;
    const peers = pick((r) => r.peerValue);
    const ratios = pick((r) => r.ratio);
    const value = r3(median(values));
    const peerValue = peers ? r3(median(peers)) : null;
    const ratio = ratios ? r3(median(ratios)) : null;
    const of = ratios ? 'ratio' : 'value';
    const spreadOf = ratios ?? values;
    return {
      ...last, value, peerValue, ratio, ...judge(last.rule, value, peerValue, ratio, last.unit),
      runs: measured.length, spread: { of, min: r3(Math.min(...spreadOf)), max: r3(Math.max(...spreadOf)) },
    } satisfies Row;
  });
}

/** A row whose measurement could not run (peer missing, feature absent): kept, with the reason. */
export function skipped(metric: string, subject: string, peer: string, unit: string, target: Target, why: string): Row {
  return row(metric, subject, peer, null, null, unit, target, why);
}

function fmt(n: number | null): string {
  if (n === null) return '-';
  const a = Math.abs(n);
  if (a >= 100_000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

export function renderTable(rows: Row[]): string[] {
  return table(
    ['metric', 'subject', 'value', 'peer', 'peer value', 'unit', 'ratio', 'spread (min-max, runs)', 'target', 'met'],
    rows.map((r) => [
      r.metric, r.subject, fmt(r.value), r.peer, fmt(r.peerValue), r.unit, r.ratio === null ? '-' : r.ratio.toFixed(2), spreadText(r), r.target,
      r.met === null ? (r.value === null ? 'skipped' : '-') : r.met ? 'yes' : 'NO',
    ]),
  );
}

function spreadText(r: Row): string {
  if (!r.spread) return '-';
  const f = r.spread.of === 'ratio' ? (n: number) => n.toFixed(2) : fmt;
  return `${r.spread.of === 'value' ? 'value ' : ''}${f(r.spread.min)}-${f(r.spread.max)} (${r.runs})`;
}

export function machine(extra: string[]): string {
  const cpus = os.cpus();
  return [
    `${cpus[0]?.model.trim() ?? 'unknown CPU'} x${cpus.length}`, `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`, `Linux ${os.release()}`, `node ${process.version}`, ...extra,
  ].join(', ');
}

/** `load`: the 1-minute load average at the start and the end of the run (the machine may be shared). */
export function writeResults(file: string, machineText: string, mode: string, repeat: number, load: { start: number; end: number }, rows: Row[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ machine: machineText, mode, repeat, spread: 'min-max over the runs', load, date: new Date().toISOString(), rows }, null, 2) + '\n');
}
