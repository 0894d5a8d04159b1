import type { Event } from './reporter.js';
import { renderVerdict, row } from './format.js';
import { describeVia, type ViaEntry } from '../protocol/via.js';
import { formatBytes } from '../net/size.js';
import type { Verdict } from '../diagnose/catalogue.js';
import { closeCodeName } from '../protocol/close-codes.js';

const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '');
const IDENTIFYING = /^(server|via|x-wstrace-endpoint|x-wstrace-hop|location|cf-ray|www-authenticate|content-type|sec-websocket-protocol|sec-websocket-extensions)$/i;

/** Human lines for the client's events (and bisect/probe reuse the verdict rendering). */
export function renderClientEvent(ev: Event): string[] | undefined {
  const t = Number(ev.t ?? 0);
  switch (ev.event) {
    case 'phase':
      return [renderPhase(ev, t)];
    case 'response': {
      const lines = [row(t, '', `${String(ev.status)} ${String(ev.statusText)} — identifying headers:`)];
      for (const [k, v] of (ev.headers as [string, string][]).filter(([k]) => IDENTIFYING.test(k))) lines.push(`${' '.repeat(20)}${k}: ${v}`);
      const body = String(ev.body ?? '').trim();
      if (body) {
        lines.push(`${' '.repeat(20)}body:`);
        for (const l of body.split('\n').slice(0, 30)) lines.push(`${' '.repeat(22)}${l}`);
      }
      return lines;
    }
    case 'inspect':
      return renderInspect(ev, t);
    case 'echo': {
      const size = `${formatBytes(Number(ev.bytes))} ${ev.binary ? 'binary' : 'text'}`;
      const label = `echo ${String(ev.seq)}/${String(ev.count)}`;
      if (ev.ok) return [row(t, label, `${size}, rtt ${ms(ev.ms)}, matched`)];
      return [row(t, label, `${size}, ${ev.outcome ? `no echo (${String(ev.outcome)})` : 'MISMATCH'} after ${ms(ev.ms)}`)];
    }
    case 'result':
      return renderResult(ev);
    default:
      return undefined;
  }
}

function renderPhase(ev: Event, t: number): string {
  const p = String(ev.phase);
  if (ev.ok === false) return row(t, p, `FAILED: ${String(ev.error)}`);
  switch (p) {
    case 'resolve':
      return row(t, p, ev.host === ev.address ? `${String(ev.address)} (literal, no lookup)` : `${String(ev.host)} → ${String(ev.address)} in ${ms(ev.ms)}`);
    case 'connect':
      return row(t, p, `${String(ev.address)}:${String(ev.port)} in ${ms(ev.ms)}`);
    case 'tls':
      return row(t, p, `${String(ev.protocol)} ${String(ev.cipher)}, cert ${String(ev.subject)}${ev.authorized ? '' : ' (NOT verified)'} in ${ms(ev.ms)}`);
    case 'upgrade': {
      const who = ev.endpoint ? `, answered by wstrace endpoint "${String(ev.endpoint)}"` : '';
      return row(t, p, `${String(ev.status)} ${String(ev.statusText)} in ${ms(ev.ms)}${who}`);
    }
    case 'open':
      return row(t, p, `subprotocol ${String(ev.subprotocol ?? 'none')}, extensions ${String(ev.extensions ?? 'none')}`);
    case 'close':
      if (ev.by === 'peer') return row(t, p, `by the peer: ${String(ev.code)} ${closeCodeName(Number(ev.code))}${ev.reason ? ` "${String(ev.reason)}"` : ''}`);
      return row(t, p, ev.answered ? `${String(ev.code)} ${closeCodeName(Number(ev.code))} answered in ${ms(ev.ms)}` : `NO ANSWER to our close frame after ${ms(ev.ms)}: ${String(ev.reason)}`);
    default:
      return row(t, p, '');
  }
}

function renderInspect(ev: Event, t: number): string[] {
  if (!ev.available) return [row(t, 'inspect', String(ev.note))];
  const r = ev.report as { endpoint: string; method: string; url: string; httpVersion: string; peer: { address: string; port: number }; headers: [string, string][]; via: ViaEntry[] };
  const pad = ' '.repeat(20);
  return [
    row(t, 'inspect', `endpoint "${r.endpoint}" received ${r.method} ${r.url} HTTP/${r.httpVersion} from ${r.peer.address}:${r.peer.port}`),
    ...r.headers.map(([k, v]) => `${pad}${k}: ${v}`),
    `${pad}via chain: ${describeVia(r.via)}`,
  ];
}

function renderResult(ev: Event): string[] {
  if (!ev.ok) return renderVerdict(ev.verdict as Verdict);
  const echoes = ev.echoes as { sent: number; matched: number };
  const rtt = ev.rttMs as { min: number; avg: number; max: number } | null;
  const parts = [`ok: ${String(ev.url)} upgraded (101)`];
  if (echoes.sent) parts.push(`${echoes.matched}/${echoes.sent} echoes matched${rtt ? ` (rtt min/avg/max ${rtt.min.toFixed(1)}/${rtt.avg.toFixed(1)}/${rtt.max.toFixed(1)} ms)` : ''}`);
  if (ev.closeCode !== null) parts.push(`closed ${String(ev.closeCode)}`);
  return [parts.join(', ')];
}
