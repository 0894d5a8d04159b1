import type { Event } from './reporter.js';
import { renderVerdict, row } from './format.js';
import { describeVia, type ViaEntry } from '../protocol/via.js';
import { describeChange, type TraceChange, type TracePoint } from '../protocol/hop-trace.js';
import { formatBytes } from '../net/size.js';
import type { Verdict } from '../diagnose/catalogue.js';
import { closeCodeName } from '../protocol/close-codes.js';

const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '');
const OUTCOME: Record<string, string> = { closed: 'the connection closed', error: 'connection error', timeout: 'deadline expired' };
const IDENTIFYING = /^(server|via|x-wstrace-endpoint|x-wstrace-hop|location|cf-ray|www-authenticate|content-type|sec-websocket-protocol|sec-websocket-extensions)$/i;

/** Human lines for the client's events (and bisect/probe reuse the verdict rendering). */
export function renderClientEvent(ev: Event): string[] | undefined {
  const t = Number(ev.t ?? 0);
  switch (ev.event) {
    case 'phase':
      return [renderPhase(ev, t)];
    case 'response': {
      // The upgrade row already gave the status: here only what names who answered, and the body.
      const pad = ' '.repeat(20);
      const named = (ev.headers as [string, string][]).filter(([k]) => IDENTIFYING.test(k));
      const lines = [row(t, 'response', named.length ? 'headers that name who answered:' : 'no Server, Via or wstrace header names who answered')];
      for (const [k, v] of named) lines.push(`${pad}${k}: ${v}`);
      lines.push(...renderBody(String(ev.body ?? ''), pad));
      return lines;
    }
    case 'inspect':
      return renderInspect(ev, t);
    case 'echo': {
      const size = `${formatBytes(Number(ev.bytes))} ${ev.binary ? 'binary' : 'text'}`;
      // `echo 12/50` would overflow the label column; the counter goes in the text, right-aligned.
      const count = String(ev.count);
      const n = `${String(ev.seq).padStart(count.length)}/${count}`;
      if (ev.ok) return [row(t, 'echo', `${n}  ${size}, rtt ${ms(ev.ms)}, matched`)];
      return [row(t, 'echo', `${n}  ${size}, ${ev.outcome ? `no echo: ${OUTCOME[String(ev.outcome)] ?? String(ev.outcome)}` : 'MISMATCH'} after ${ms(ev.ms)}`)];
    }
    case 'send':
      return [row(t, 'send', `${String(ev.seq)}/${String(ev.count)}  ${formatBytes(Number(ev.bytes))} ${ev.binary ? 'binary' : 'text'}`)];
    case 'message':
      return [row(t, 'message', `#${String(ev.seq)} ${ev.binary ? `binary ${formatBytes(Number(ev.bytes))}: ${String(ev.hex)}` : `text ${formatBytes(Number(ev.bytes))}: ${visible(String(ev.text))}`}`)];
    case 'pong':
      return [row(t, 'ping', ev.ok === false ? `no pong: ${OUTCOME[String(ev.outcome)] ?? String(ev.outcome)} after ${ms(ev.ms)}` : `pong in ${ms(ev.ms)}: the connection is alive`)];
    case 'trace': {
      const points = ev.points as TracePoint[];
      const changes = ev.changes as TraceChange[];
      const path = points.map((p) => p.at).join(' → ');
      // Straight to the endpoint with nothing changed: nothing to trace, no row.
      if (!changes.length) return points.length > 2 ? [row(t, 'trace', `${path}: every handshake field arrived unchanged`)] : undefined;
      return [row(t, 'trace', path), ...changes.map((c) => `${' '.repeat(20)}${describeChange(c)}`)];
    }
    case 'confirm':
      return [row(t, 'confirm', String(ev.note))];
    case 'result':
      return renderResult(ev);
    default:
      return undefined;
  }
}

/** Message text on one line: control characters (newlines…) shown escaped, the rest as sent. */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function renderPhase(ev: Event, t: number): string {
  const p = String(ev.phase);
  if (ev.ok === false) return row(t, p, `FAILED: ${String(ev.error)}`);
  switch (p) {
    case 'resolve': {
      const what = ev.proxy ? `proxy ${String(ev.host)}` : String(ev.host);
      if (ev.by === '--resolve') return row(t, p, `${what} → ${String(ev.address)} (--resolve, no lookup)`);
      return row(t, p, ev.host === ev.address ? `${ev.proxy ? 'proxy ' : ''}${String(ev.address)} (literal, no lookup)` : `${what} → ${String(ev.address)} in ${ms(ev.ms)}`);
    }
    case 'connect':
      if (ev.path) return row(t, p, `unix socket ${String(ev.path)} in ${ms(ev.ms)}`);
      return row(t, p, `${ev.proxy ? 'proxy ' : ''}${String(ev.address)}:${String(ev.port)} in ${ms(ev.ms)}${ev.proxy ? ` (${String(ev.proxy)} from ${String(ev.source)})` : ''}`);
    case 'proxy':
      return row(t, p, `${String(ev.request)} → ${ev.status === null ? 'granted' : `${String(ev.status)}`}${ev.tls ? ` over ${String(ev.tls)}` : ''} in ${ms(ev.ms)}`);
    case 'tls': {
      const sni = ev.servername ? `, SNI ${String(ev.servername)}` : '';
      const mine = ev.clientCert ? ', client cert sent' : '';
      return row(t, p, `${String(ev.protocol)} ${String(ev.cipher)}, cert ${String(ev.subject)} issued by ${String(ev.issuer)}${ev.authorized ? '' : ' (NOT verified)'}${sni}${mine} in ${ms(ev.ms)}`);
    }
    case 'redirect':
      return row(t, p, `${String(ev.status)} → ${String(ev.to)}`);
    case 'upgrade': {
      const who = ev.endpoint ? `, answered by wstrace endpoint "${String(ev.endpoint)}"` : '';
      return row(t, p, `${String(ev.status)} ${String(ev.statusText)} in ${ms(ev.ms)}${who}`);
    }
    case 'open': {
      const expect = ev.expect ? `; expect ${String(ev.expect)} (${String(ev.expectWhy)})` : '';
      return row(t, p, `subprotocol ${String(ev.subprotocol ?? 'none')}, extensions ${String(ev.extensions ?? 'none')}${expect}`);
    }
    case 'close':
      if (ev.skipped) return row(t, p, String(ev.reason));
      if (ev.by === 'peer') return row(t, p, `by the peer: ${String(ev.code)} ${closeCodeName(Number(ev.code))}${ev.reason ? ` "${String(ev.reason)}"` : ''}`);
      return row(t, p, ev.answered ? `${String(ev.code)} ${closeCodeName(Number(ev.code))} answered in ${ms(ev.ms)}` : `NO ANSWER to our close frame after ${ms(ev.ms)}: ${String(ev.reason)}`);
    default:
      return row(t, p, '');
  }
}

/** A JSON body (ours, a gateway's) on one line; other bodies as their first lines. */
function renderBody(raw: string, pad: string): string[] {
  const body = raw.trim();
  if (!body) return [];
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
  try {
    return [`${pad}body: ${cut(JSON.stringify(JSON.parse(body)), 300)}`];
  } catch {
    const lines = body.split('\n');
    const shown = lines.slice(0, 12).map((l) => `${pad}  ${cut(l.trimEnd(), 200)}`);
    if (lines.length > 12) shown.push(`${pad}  … (${lines.length - 12} more lines)`);
    return [`${pad}body:`, ...shown];
  }
}

function renderInspect(ev: Event, t: number): string[] {
  if (!ev.available) return [row(t, 'inspect', String(ev.note))];
  const r = ev.report as { endpoint: string; method: string; url: string; httpVersion: string; peer: { address: string; port: number }; headers: [string, string][]; via: ViaEntry[] };
  const pad = ' '.repeat(20);
  return [
    row(t, 'inspect', `endpoint "${r.endpoint}" received ${r.method} ${r.url} HTTP/${r.httpVersion} from ${r.peer.address === null ? 'a unix socket' : `${r.peer.address}:${r.peer.port}`}`),
    ...r.headers.map(([k, v]) => `${pad}${k}: ${v}`),
    `${pad}via chain: ${describeVia(r.via)}`,
  ];
}

function renderResult(ev: Event): string[] {
  if (!ev.ok) return renderVerdict(ev.verdict as Verdict);
  const echoes = ev.echoes as { sent: number; matched: number };
  const rtt = ev.rttMs as { min: number; avg: number; max: number } | null;
  const parts = [`ok: ${String(ev.url)} upgraded (101)`];
  const messages = ev.messages as { sent: number; received: number } | undefined;
  if (ev.expect === 'any' && messages) parts.push(`${messages.sent} sent, ${messages.received} received${ev.pongMs !== null ? `, pong in ${Number(ev.pongMs).toFixed(1)} ms` : ''}`);
  else if (echoes.sent) parts.push(`${echoes.matched}/${echoes.sent} echoes matched${rtt ? ` (rtt min/avg/max ${rtt.min.toFixed(1)}/${rtt.avg.toFixed(1)}/${rtt.max.toFixed(1)} ms)` : ''}`);
  if (ev.closeCode !== null) parts.push(`closed ${String(ev.closeCode)}`);
  return [parts.join(', ')];
}
