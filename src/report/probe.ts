import type { CheckEvent, ProbeResultEvent, ProbeStreamEvent } from '../events.js';
import { renderVerdict, row, stamp } from './format.js';

const NAME_WIDTH = 21; // "unmasked-client-frame"
const VALUE_WIDTH = 14; // "16777216 bytes"
const INDENT = ' '.repeat(10 + 5 + NAME_WIDTH + 1 + VALUE_WIDTH + 2);

/** Human lines for `wstrace probe`: a header, one aligned row per check, a summary and verdict. */
export function renderProbeEvent(ev: ProbeStreamEvent): string[] | undefined {
  switch (ev.event) {
    case 'probe': {
      const wait = ev.long ? `; ${ev.long} long check(s) wait up to ${ev.maxWait}` : '';
      return [`probe ${ev.url}: ${ev.checks} check(s), --timeout ${ev.timeout} per step${wait}`];
    }
    case 'phase':
      // --location: the first connection followed a redirect; the checks run at the final URL.
      return ev.phase === 'redirect' ? [row(ev.t, 'redirect', `${ev.status} → ${ev.to}`)] : undefined;
    case 'check':
      return renderCheck(ev);
    case 'result':
      return renderResult(ev);
    case 'progress':
      return undefined;
  }
}

/** `[  6.001] …   waiting on unanswered-close, idle-timeout (up to 90 s each)`: one transient line. */
export function renderProbeProgress(ev: ProbeStreamEvent): string | undefined {
  if (ev.event !== 'progress') return undefined;
  return `${stamp(ev.t)} …    waiting on ${ev.running.join(', ')} (each bounded by --max-wait ${(ev.maxWaitMs / 1000).toFixed(0)} s)`;
}

export function formatValue(value: number | string | null | undefined, unit: string | null): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number' && unit === 'ms') return `${value.toFixed(1)} ms`;
  if (typeof value === 'number' && unit === 's') return `${value.toFixed(2)} s`;
  return unit ? `${value} ${unit}` : String(value);
}

function renderCheck(ev: CheckEvent): string[] {
  const status = ev.status.toUpperCase().padEnd(4);
  const value = formatValue(ev.value, ev.unit).padEnd(VALUE_WIDTH);
  const lines = [`${stamp(ev.t)} ${status} ${ev.name.padEnd(NAME_WIDTH)} ${value}  ${ev.summary}`];
  // Evidence only where it explains a problem; --json carries it for every row.
  if (ev.status !== 'pass') for (const e of ev.evidence) lines.push(`${INDENT}· ${e}`);
  return lines;
}

function renderResult(ev: ProbeResultEvent): string[] {
  const counts = [`${ev.pass} pass`, `${ev.warn} warn`, `${ev.fail} fail`].join(', ');
  const secs = (ev.totalMs / 1000).toFixed(2);
  const who = ev.endpoint ? ` (wstrace endpoint "${ev.endpoint}")` : '';
  const lines = [`summary: ${ev.checks} check(s) against ${ev.url}${who} in ${secs} s: ${counts}`];
  if (ev.verdict) lines.push(...renderVerdict(ev.verdict));
  else if (ev.warn > 0) lines.push('verdict: no failure; the WARN rows are worth a look');
  else lines.push('verdict: healthy: every check passed');
  return lines;
}
