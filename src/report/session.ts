import type { Event } from './reporter.js';
import { renderVerdict, stamp } from './format.js';
import { renderClientEvent } from './client.js';
import type { Verdict } from '../diagnose/catalogue.js';

const HEX_SHOWN_BYTES = 32;

/**
 * Human lines for a client session (interactive, pipe, -x): `>` what we sent, `<` what came,
 * each with its `[  0.007]` stamp; connection phases, pongs and inspect reports as the client
 * renders them.
 */
export function renderSessionEvent(ev: Event): string[] | string | undefined {
  const t = Number(ev.t ?? 0);
  switch (ev.event) {
    case 'sent':
      return `${stamp(t)} > ${payload(ev)}`;
    case 'received':
      return `${stamp(t)} < ${payload(ev)}`;
    case 'ping':
      return `${stamp(t)} < ping from the peer (answered with a pong)`;
    case 'pong':
      if (ev.ok === false) return `${stamp(t)} ! no pong within the deadline (${Number(ev.ms).toFixed(1)} ms)`;
      return `${stamp(t)} pong in ${Number(ev.ms).toFixed(1)} ms`;
    case 'result': {
      if (!ev.ok) return renderVerdict(ev.verdict as Verdict);
      const m = ev.messages as { sent: number; received: number };
      return `ok: ${String(ev.url)}: ${m.sent} sent, ${m.received} received${ev.closeCode === null ? '' : `, closed ${String(ev.closeCode)}`}`;
    }
    default:
      return renderClientEvent(ev);
  }
}

function payload(ev: Event): string {
  if (!ev.binary) return visible(String(ev.text));
  const hex = String(ev.hex);
  const shown = hex.slice(0, HEX_SHOWN_BYTES * 2).replace(/(..)(?!$)/g, '$1 ');
  return `binary ${String(ev.bytes)} B: ${shown}${hex.length > HEX_SHOWN_BYTES * 2 ? ' …' : ''}`;
}

/** Control characters (a newline inside a message…) shown escaped, so one message is one line. */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Pipe and -x mode: what a message carries, as it came (text and a newline, or the raw bytes). */
export function rawPayload(ev: Event): Buffer {
  return ev.binary ? Buffer.from(String(ev.hex), 'hex') : Buffer.from(`${String(ev.text)}\n`, 'utf8');
}
