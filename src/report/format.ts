import type { Verdict } from '../diagnose/catalogue.js';

/** `[  0.007]`: seconds since the command started, fixed width so columns line up. */
export function stamp(ms: number): string {
  return `[${(ms / 1000).toFixed(3).padStart(7)}]`;
}

/** A timeline row: stamp, a padded phase label, then the text. */
export function row(ms: number, label: string, text: string): string {
  return `${stamp(ms)} ${label.padEnd(9)} ${text}`;
}

export function renderVerdict(v: Verdict): string[] {
  const lines = [`verdict: ${v.code}: ${v.summary}`];
  for (const e of v.evidence) lines.push(`  evidence: ${e}`);
  lines.push(`  next: ${v.next}`);
  return lines;
}

/** Left-aligned table with a header row; every cell is a string. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)];
}
