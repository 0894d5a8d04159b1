import type { LoadEvent, LoadResultEvent } from '../events.js';
import { renderVerdict, row } from './format.js';
import { formatBytes } from '../net/size.js';
import { formatMs } from '../net/duration.js';
import type { LoadProgress } from '../load/options.js';

const PAD = ' '.repeat(20);
const fixed = (v: unknown, digits = 3) => (typeof v === 'number' ? v.toFixed(digits) : '?');
const int = (v: unknown) => (typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : '?');
const detail = (label: string, text: string) => `${PAD}${label.padEnd(11)}${text}`;

/** Human lines for a load run: the summary block, then ok or the verdict. */
export function renderLoadEvent(ev: LoadEvent | LoadResultEvent): string[] | undefined {
  if (ev.event === 'load') return renderSummary(ev);
  if (ev.ok) return [`ok: every connection upgraded, echoed and closed cleanly`];
  return ev.verdict ? renderVerdict(ev.verdict) : [];
}

function renderSummary(ev: LoadEvent): string[] {
  const lat = ev.latencyMs;
  const hs = ev.handshakeMs;
  const errors = Object.entries(ev.errors);
  const mode = ev.rate ? `${int(ev.rate)} msgs/s paced, up to ${int(ev.pipeline)} in flight each` : `${int(ev.pipeline)} in flight each`;
  const lines = [
    row(ev.t, 'load', `${int(ev.opened)}/${int(ev.connections)} connections to ${ev.url}, ${formatBytes(ev.size)} ${ev.binary ? 'binary' : 'text'}, ${mode}`),
    detail('messages', `${ev.messages ? `${int(ev.messages)} echoed in ${formatMs(ev.ms)}` : 'none echoed'}${ev.unsent ? `, ${int(ev.unsent)} due but never sent (the target could not keep up)` : ''}`),
  ];
  if (ev.messages > 0) {
    lines.push(detail('latency', `p50 ${fixed(lat.p50)}  p90 ${fixed(lat.p90)}  p99 ${fixed(lat.p99)}  max ${fixed(lat.max)} ms${ev.correctedForCoordinatedOmission ? ' (from each intended send time)' : ''}`));
    lines.push(detail('throughput', `${int(ev.msgsPerSec)} msgs/s, ${formatBytes(ev.bytesPerSec)}/s`));
  }
  if (ev.opened > 0) lines.push(detail('handshake', `p50 ${fixed(hs.p50, 1)}  p99 ${fixed(hs.p99, 1)}  max ${fixed(hs.max, 1)} ms`));
  lines.push(detail('errors', errors.length ? errors.map(([code, n]) => `${code} ×${n}`).join(', ') : 'none'));
  return lines;
}

/** One progress line for stderr: `[  2.001] progress  …`. */
export function formatProgress(p: LoadProgress): string {
  return row(p.t, 'progress', `${int(p.messages)} echoed, ${int(p.msgsPerSec)}/s, ${int(p.open)} open, ${int(p.errors)} errors, p50 ${fixed(p.p50)} ms, p99 ${fixed(p.p99)} ms`);
}
