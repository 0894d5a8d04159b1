import type { MessageEvent, SendEvent, SessionEvent } from '../events.js';
import { renderVerdict, stamp } from './format.js';
import { renderClientEvent } from './client.js';

const HEX_SHOWN_BYTES = 32;

/**
 * Human lines for a client session (interactive, pipe, -x): `>` what we sent, `<` what came,
 * each with its `[  0.007]` stamp; connection phases, pongs and inspect reports as the client
 * renders them.
 */
export function renderSessionEvent(ev: SessionEvent): string[] | string | undefined {
  switch (ev.event) {
    case 'send':
      return `${stamp(ev.t)} > ${payload(ev)}`;
    case 'message':
      return `${stamp(ev.t)} < ${payload(ev)}`;
    case 'ping':
      return `${stamp(ev.t)} < ping from the peer (answered with a pong)`;
    case 'pong':
      if (ev.ok === false) return `${stamp(ev.t)} ! no pong within the deadline (${ev.ms.toFixed(1)} ms)`;
      return `${stamp(ev.t)} pong in ${ev.ms.toFixed(1)} ms`;
    case 'result': {
      if (ev.verdict) return renderVerdict(ev.verdict);
      const m = ev.messages;
      return `ok: ${ev.url}: ${m.sent} sent, ${m.received} received${ev.closeCode === null ? '' : `, closed ${ev.closeCode}`}`;
    }
    default:
      return renderClientEvent(ev);
  }
}

function payload(ev: SendEvent | MessageEvent): string {
  if (!ev.binary) return visible(ev.text ?? '');
  const hex = ev.hex ?? '';
  const shown = hex.slice(0, HEX_SHOWN_BYTES * 2).replace(/(..)(?!$)/g, '$1 ');
  return `binary ${ev.bytes} B: ${shown}${hex.length > HEX_SHOWN_BYTES * 2 ? ' …' : ''}`;
}

/** Control characters (a newline inside a message…) shown escaped, so one message is one line. */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Pipe and -x mode: what a message carries, as it came (text and a newline, or the raw bytes). */
export function rawPayload(ev: MessageEvent): Buffer {
  return ev.binary ? Buffer.from(ev.hex ?? '', 'hex') : Buffer.from(`${ev.text ?? ''}\n`, 'utf8');
}
