import type { Event } from './reporter.js';
import { renderVerdict, row, stamp } from './format.js';
import type { Verdict } from '../diagnose/catalogue.js';

const NAME_WIDTH = 21; // "unmasked-client-frame"
const VALUE_WIDTH = 14; // "16777216 bytes"
const INDENT = ' '.repeat(10 + 5 + NAME_WIDTH + 1 + VALUE_WIDTH + 2);

/** Human lines for `wstrace probe`: a header, one aligned row per check, a summary and verdict. */
export function renderProbeEvent(ev: Event): string[] | undefined {
  switch (ev.event) {
    case 'probe': {
      const long = Number(ev.long);
      const wait = long ? `; ${long} long check(s) wait up to ${String(ev.maxWait)}` : '';
      return [`probe ${String(ev.url)}: ${String(ev.checks)} check(s), --timeout ${String(ev.timeout)} per step${wait}`];
    }
    case 'phase':
      // --location: the first connection followed a redirect; the checks run at the final URL.
      return ev.phase === 'redirect' ? [row(Number(ev.t), 'redirect', `${String(ev.status)} → ${String(ev.to)}`)] : undefined;
    case 'check':
      return renderCheck(ev);
    case 'result':
      return renderResult(ev);
    default:
      return undefined;
  }
}

/** `[  6.001] …   waiting on unanswered-close, idle-timeout (up to 90 s each)`: one transient line. */
export function renderProbeProgress(ev: Event): string | undefined {
  if (ev.event !== 'progress') return undefined;
  const names = (ev.running as string[]).join(', ');
  return `${stamp(Number(ev.t))} …    waiting on ${names} (each bounded by --max-wait ${(Number(ev.maxWaitMs) / 1000).toFixed(0)} s)`;
}

export function formatValue(value: unknown, unit: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && unit === 'ms') return `${value.toFixed(1)} ms`;
  if (typeof value === 'number' && unit === 's') return `${value.toFixed(2)} s`;
  return unit ? `${String(value)} ${String(unit)}` : String(value);
}

function renderCheck(ev: Event): string[] {
  const status = String(ev.status).toUpperCase().padEnd(4);
  const value = formatValue(ev.value, ev.unit).padEnd(VALUE_WIDTH);
  const lines = [`${stamp(Number(ev.t ?? 0))} ${status} ${String(ev.name).padEnd(NAME_WIDTH)} ${value}  ${String(ev.summary)}`];
  // Evidence only where it explains a problem; --json carries it for every row.
  if (ev.status !== 'pass') for (const e of (ev.evidence as string[] | undefined) ?? []) lines.push(`${INDENT}· ${e}`);
  return lines;
}

function renderResult(ev: Event): string[] {
  const counts = [`${String(ev.pass)} pass`, `${String(ev.warn)} warn`, `${String(ev.fail)} fail`].join(', ');
  const secs = (Number(ev.ms) / 1000).toFixed(2);
  const who = ev.endpoint ? ` (wstrace endpoint "${String(ev.endpoint)}")` : '';
  const lines = [`summary: ${String(ev.checks)} check(s) against ${String(ev.url)}${who} in ${secs} s: ${counts}`];
  if (ev.verdict) lines.push(...renderVerdict(ev.verdict as Verdict));
  else if (Number(ev.warn) > 0) lines.push('verdict: no failure; the WARN rows are worth a look');
  else lines.push('verdict: healthy: every check passed');
  return lines;
}
