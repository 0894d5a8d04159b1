import type { Event, Writer } from './reporter.js';
import { renderVerdict, row, stamp } from './format.js';
import type { Verdict } from '../diagnose/catalogue.js';

const CAUSE: Record<string, string> = {
  eof: 'TCP closed with no close frame',
  reset: 'TCP reset',
  close: 'close frame',
  'no-pong': 'no pong within --timeout',
  error: 'protocol error',
};

/** Human lines for `wstrace watch`: drops, limits and failed handshakes as they happen; summaries. */
export function renderWatchEvent(ev: Event): string[] | undefined {
  const t = Number(ev.t ?? 0);
  switch (ev.event) {
    case 'watch':
      return [
        `watch ${String(ev.url)}: ${String(ev.connections)} held connection(s) (${(ev.patterns as string[]).join(', ')}), traffic every ${secs(ev.intervalMs)}, ` +
          `a fresh handshake every ${secs(ev.everyMs)}, ${ev.forMs === null ? 'until Ctrl-C' : `for ${secs(ev.forMs)}`}`,
      ];
    case 'handshake':
      if (ev.ok) return undefined;
      return [row(t, 'handshake', `${String(ev.purpose)}: FAILED after ${ms(ev.ms)}: ${String(ev.code)}: ${String(ev.summary)}`)];
    case 'drop': {
      const code = ev.cause === 'close' ? ` ${String(ev.closeCode)}${ev.reason ? ` "${String(ev.reason)}"` : ''}` : ev.errorCode ? ` (${String(ev.errorCode)})` : '';
      return [
        row(t, 'drop', `#${String(ev.conn)} ${String(ev.pattern).padEnd(7)} at age ${age(ev.ageMs)}: ${CAUSE[String(ev.cause)] ?? String(ev.cause)}${code}; ` +
          `idle ↑ ${age(ev.idleUpMs)} ↓ ${age(ev.idleDownMs)}`),
      ];
    }
    case 'limit':
      return [row(t, 'limit', `${limitText(ev)}`), ...(ev.evidence as string[]).map((e) => `${' '.repeat(20)}· ${e}`)];
    case 'summary':
      if (ev.final) return undefined;
      return [row(t, 'summary', summaryText(ev))];
    case 'result':
      return renderResult(ev);
    default:
      return undefined;
  }
}

function limitText(ev: Event): string {
  const v = `${Number(ev.value).toFixed(3)} s`;
  if (ev.kind === 'idle-timeout') {
    const by = ev.resetBy === 'client' ? 'client traffic resets it' : ev.resetBy === 'server' ? 'only server traffic resets it' : '';
    return `idle timeout ${v}${by ? `; ${by}` : ''}${ev.pingsHelp ? '; pings keep connections alive' : ''}`;
  }
  if (ev.kind === 'max-lifetime') return `maximum lifetime ${v}; pings do not help`;
  return `periodic reset every ${v}: connections of any age die together`;
}

interface Figures {
  ok: number;
  failed: number;
  p50: number | null;
  p99: number | null;
}

function summaryText(ev: Event): string {
  const hs = (ev.handshakes ?? ev.window) as Figures;
  const w = ev.window as Figures;
  return `held ${String(ev.open)}/${String(ev.held)}, drops ${String(ev.drops)}${dropCauses(ev)}, handshakes ${w.ok} ok ${w.failed} failed` +
    `${w.p50 === null ? '' : `, p50 ${ms(w.p50)} p99 ${ms(w.p99)}`} (run: ${hs.ok} ok ${hs.failed} failed)`;
}

function dropCauses(ev: Event): string {
  const parts = Object.entries((ev.byCause as Record<string, number>) ?? {}).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function renderResult(ev: Event): string[] {
  const totals = ev.totals as Event & { handshakes: Figures };
  const h = totals.handshakes;
  const lines = [
    `${stamp(Number(ev.t))} done: drops ${String(totals.drops)}${dropCauses(totals)}; handshakes ${h.ok} ok ${h.failed} failed` +
      `${h.p50 === null ? '' : `, p50 ${ms(h.p50)} p99 ${ms(h.p99)}`}`,
  ];
  const limits = ev.limits as Event[];
  if (limits.length === 0) lines.push('limits: none seen');
  for (const l of limits) lines.push(`limit: ${limitText(l)}`);
  for (const f of ev.failed as { condition: string; detail: string }[]) lines.push(`fail-on ${f.condition}: ${f.detail}`);
  if (ev.verdict) lines.push(...renderVerdict(ev.verdict as Verdict));
  else lines.push('ok: no --fail-on condition met');
  return lines;
}

function ms(v: unknown): string {
  return `${Number(v).toFixed(1)} ms`;
}

/** A measured time: seconds to the millisecond. */
function age(v: unknown): string {
  return `${(Number(v) / 1000).toFixed(3)} s`;
}

/** An option's duration, as a person would write it. */
function secs(v: unknown): string {
  const n = Number(v);
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
  return `${stamp(s.t)} held ${s.open}/${s.held} · drops ${s.drops}${dropCauses({ event: 'status', byCause: s.byCause })} · ${lat}, ${s.failed} failed`;
}
