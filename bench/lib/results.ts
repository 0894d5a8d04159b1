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
  note?: string;
}

const r3 = (n: number) => Math.round(n * 1000) / 1000;

export function row(metric: string, subject: string, peer: string, value: number | null, peerValue: number | null, unit: string, target: Target, note?: string): Row {
  const ratio = value !== null && peerValue !== null && peerValue !== 0 ? r3(value / peerValue) : null;
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
  return {
    metric, subject, peer, value: value === null ? null : r3(value), peerValue: peerValue === null ? null : r3(peerValue), unit, ratio, target: text, met,
    ...(note ? { note } : {}),
  };
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
    ['metric', 'subject', 'value', 'peer', 'peer value', 'unit', 'ratio', 'target', 'met'],
    rows.map((r) => [
      r.metric, r.subject, fmt(r.value), r.peer, fmt(r.peerValue), r.unit, r.ratio === null ? '-' : r.ratio.toFixed(2), r.target,
      r.met === null ? (r.value === null ? 'skipped' : '-') : r.met ? 'yes' : 'NO',
    ]),
  );
}

export function machine(extra: string[]): string {
  const cpus = os.cpus();
  return [
    `${cpus[0]?.model.trim() ?? 'unknown CPU'} x${cpus.length}`, `${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`, `Linux ${os.release()}`, `node ${process.version}`, ...extra,
  ].join(', ');
}

export function writeResults(file: string, machineText: string, mode: string, rows: Row[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ machine: machineText, mode, date: new Date().toISOString(), rows }, null, 2) + '\n');
}
