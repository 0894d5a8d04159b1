import type { LimitFields, SummaryEvent, WatchEvent, WatchResultEvent } from '../events.js';
import type { HandshakeFigures } from '../watch/stats.js';
import type { DropCause } from '../watch/types.js';
import type { Writer } from './reporter.js';
import { renderVerdict, row, stamp } from './format.js';

const CAUSE: Record<DropCause, string> = {
  eof: 'TCP closed with no close frame',
  reset: 'TCP reset',
  close: 'close frame',
  'no-pong': 'no pong within --timeout',
  error: 'protocol error',
};

/** Human lines for `wstrace watch`: drops, limits and failed handshakes as they happen; summaries. */
export function renderWatchEvent(ev: WatchEvent): string[] | undefined {
  switch (ev.event) {
    case 'watch':
      return [
        `watch ${ev.url}: ${ev.connections} held connection(s) (${ev.patterns.join(', ')}), traffic every ${secs(ev.intervalMs)}, ` +
          `a fresh handshake every ${secs(ev.everyMs)}, ${ev.forMs === null ? 'until Ctrl-C' : `for ${secs(ev.forMs)}`}`,
      ];
    case 'handshake':
      if (ev.ok) return undefined;
      return [row(ev.t, 'handshake', `${ev.purpose}: FAILED after ${ms(ev.ms)}: ${ev.code}: ${ev.summary}`)];
    case 'drop': {
      const code = ev.cause === 'close' ? ` ${ev.closeCode}${ev.reason ? ` "${ev.reason}"` : ''}` : ev.errorCode ? ` (${ev.errorCode})` : '';
      return [
        row(ev.t, 'drop', `#${ev.conn} ${ev.pattern.padEnd(7)} at age ${age(ev.ageMs)}: ${CAUSE[ev.cause]}${code}; ` +
          `idle ↑ ${age(ev.idleUpMs)} ↓ ${age(ev.idleDownMs)}`),
      ];
    }
    case 'limit':
      return [row(ev.t, 'limit', `${limitText(ev)}`), ...ev.evidence.map((e) => `${' '.repeat(20)}· ${e}`)];
    case 'summary':
      if (ev.final) return undefined;
      return [row(ev.t, 'summary', summaryText(ev))];
    case 'result':
      return renderResult(ev);
    case 'metrics':
      return undefined;
  }
}

function limitText(ev: LimitFields): string {
  const v = `${ev.value.toFixed(3)} s`;
  if (ev.kind === 'idle-timeout') {
    const by = ev.resetBy === 'client' ? 'client traffic resets it' : ev.resetBy === 'server' ? 'only server traffic resets it' : '';
    return `idle timeout ${v}${by ? `; ${by}` : ''}${ev.pingsHelp ? '; pings keep connections alive' : ''}`;
  }
  if (ev.kind === 'max-lifetime') return `maximum lifetime ${v}; pings do not help`;
  return `periodic reset every ${v}: connections of any age die together`;
}

function summaryText(ev: SummaryEvent): string {
  const hs: HandshakeFigures = ev.handshakes;
  const w = ev.window;
  return `held ${ev.open}/${ev.held}, drops ${ev.drops}${dropCauses(ev.byCause)}, handshakes ${w.ok} ok ${w.failed} failed` +
    `${w.p50 === null ? '' : `, p50 ${ms(w.p50)} p99 ${ms(w.p99)}`} (run: ${hs.ok} ok ${hs.failed} failed)`;
}

function dropCauses(byCause: Record<string, number>): string {
  const parts = Object.entries(byCause).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function renderResult(ev: WatchResultEvent): string[] {
  const totals = ev.totals;
  const h = totals.handshakes;
  const lines = [
    `${stamp(ev.t)} done: drops ${totals.drops}${dropCauses(totals.byCause)}; handshakes ${h.ok} ok ${h.failed} failed` +
      `${h.p50 === null ? '' : `, p50 ${ms(h.p50)} p99 ${ms(h.p99)}`}`,
  ];
  if (ev.limits.length === 0) lines.push('limits: none seen');
  for (const l of ev.limits) lines.push(`limit: ${limitText(l)}`);
  for (const f of ev.failed) lines.push(`fail-on ${f.condition}: ${f.detail}`);
  if (ev.verdict) lines.push(...renderVerdict(ev.verdict));
  else lines.push('ok: no --fail-on condition met');
  return lines;
}

function ms(v: number | null): string {
  return `${Number(v).toFixed(1)} ms`;
}

/** A measured time: seconds to the millisecond. */
function age(v: number): string {
  return `${(v / 1000).toFixed(3)} s`;
}

/** An option's duration, as a person would write it. */
function secs(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(n % 1000 === 0 ? 0 : 1)} s` : `${n.toFixed(0)} ms`;
}

/**
 * A status line kept at the bottom of a terminal: event lines are written above it. Only used
 * when stdout is a TTY and not --json, so pipes and files never see carriage returns.
 */
export class StatusLine {
  #text = '';
  constructor(private readonly out: Writer) {}

  write: Writer = (text) => {
    this.out(`\r\x1b[2K${text}${this.#text}`);
  };

  update(text: string): void {
    this.#text = text;
    this.out(`\r\x1b[2K${text}`);
  }

  clear(): void {
    if (this.#text) this.out('\r\x1b[2K');
    this.#text = '';
  }
}

export interface StatusFigures {
  t: number;
  open: number;
  held: number;
  drops: number;
  byCause: Record<string, number>;
  p50: number | null;
  p99: number | null;
  failed: number;
}

/** `[ 12.003] held 4/4 · drops 3 (eof 3) · handshake p50 1.2 ms p99 3.1 ms, 0 failed` */
export function statusText(s: StatusFigures): string {
  const lat = s.p50 === null ? 'no handshake yet' : `handshake p50 ${ms(s.p50)} p99 ${ms(s.p99)}`;
  return `${stamp(s.t)} held ${s.open}/${s.held} · drops ${s.drops}${dropCauses(s.byCause)} · ${lat}, ${s.failed} failed`;
}
