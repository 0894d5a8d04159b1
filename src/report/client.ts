import type { ClientEvent, ClientResultEvent, InspectEvent, PhaseEvent } from '../events.js';
import { renderVerdict, row } from './format.js';
import { describeVia } from '../protocol/via.js';
import { describeChange } from '../protocol/hop-trace.js';
import { formatBytes } from '../net/size.js';
import { closeCodeName } from '../protocol/close-codes.js';

const ms = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} ms` : '');
const OUTCOME: Record<'closed' | 'error' | 'timeout', string> = { closed: 'the connection closed', error: 'connection error', timeout: 'deadline expired' };
const IDENTIFYING = /^(server|via|x-wstrace-endpoint|x-wstrace-hop|location|cf-ray|www-authenticate|content-type|sec-websocket-protocol|sec-websocket-extensions)$/i;

/** Human lines for the client's events (and bisect/probe reuse the verdict rendering). */
export function renderClientEvent(ev: ClientEvent): string[] | undefined {
  switch (ev.event) {
    case 'phase':
      return [renderPhase(ev, ev.t)];
    case 'response': {
      // The upgrade row already gave the status: here only what names who answered, and the body.
      const pad = ' '.repeat(20);
      const named = ev.headers.filter(([k]) => IDENTIFYING.test(k));
      const lines = [row(ev.t, 'response', named.length ? 'headers that name who answered:' : 'no Server, Via or wstrace header names who answered')];
      for (const [k, v] of named) lines.push(`${pad}${k}: ${v}`);
      lines.push(...renderBody(ev.body, pad));
      return lines;
    }
    case 'inspect':
      return renderInspect(ev);
    case 'echo': {
      const size = `${formatBytes(ev.bytes)} ${ev.binary ? 'binary' : 'text'}`;
      // `echo 12/50` would overflow the label column; the counter goes in the text, right-aligned.
      const count = String(ev.count);
      const n = `${String(ev.seq).padStart(count.length)}/${count}`;
      if (ev.ok) return [row(ev.t, 'echo', `${n}  ${size}, rtt ${ms(ev.ms)}, matched`)];
      return [row(ev.t, 'echo', `${n}  ${size}, ${ev.outcome ? `no echo: ${OUTCOME[ev.outcome]}` : 'MISMATCH'} after ${ms(ev.ms)}`)];
    }
    case 'send':
      return [row(ev.t, 'send', `${ev.seq}/${ev.count}  ${formatBytes(ev.bytes)} ${ev.binary ? 'binary' : 'text'}`)];
    case 'message':
      return [row(ev.t, 'message', `#${ev.seq} ${ev.binary ? `binary ${formatBytes(ev.bytes)}: ${ev.hex ?? ''}` : `text ${formatBytes(ev.bytes)}: ${visible(ev.text ?? '')}`}`)];
    case 'pong':
      return [row(ev.t, 'ping', ev.ok === false ? `no pong: ${ev.outcome ? OUTCOME[ev.outcome] : 'no answer'} after ${ms(ev.ms)}` : `pong in ${ms(ev.ms)}: the connection is alive`)];
    case 'trace': {
      const { points, changes } = ev;
      const path = points.map((p) => p.at).join(' → ');
      // Straight to the endpoint with nothing changed: nothing to trace, no row.
      if (!changes.length) return points.length > 2 ? [row(ev.t, 'trace', `${path}: every handshake field arrived unchanged`)] : undefined;
      return [row(ev.t, 'trace', path), ...changes.map((c) => `${' '.repeat(20)}${describeChange(c)}`)];
    }
    case 'confirm':
      return [row(ev.t, 'confirm', ev.note)];
    case 'fallback':
      return [row(ev.t, 'fallback', `HTTP/${ev.from} → HTTP/${ev.to}: ${ev.reason}`)];
    case 'result':
      return renderResult(ev);
  }
}

/** Message text on one line: control characters (newlines…) shown escaped, the rest as sent. */
function visible(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

function renderPhase(ev: PhaseEvent, t: number): string {
  const p = ev.phase;
  if (ev.ok === false) return row(t, p, `FAILED: ${ev.error?.message ?? ''}`);
  switch (p) {
    case 'resolve': {
      const what = ev.proxy ? `proxy ${ev.host}` : `${ev.host}`;
      if (ev.by === '--resolve') return row(t, p, `${what} → ${ev.address} (--resolve, no lookup)`);
      return row(t, p, ev.host === ev.address ? `${ev.proxy ? 'proxy ' : ''}${ev.address} (literal, no lookup)` : `${what} → ${ev.address} in ${ms(ev.ms)}`);
    }
    case 'connect':
      if (ev.path) return row(t, p, `unix socket ${ev.path} in ${ms(ev.ms)}`);
      return row(t, p, `${ev.proxy ? 'proxy ' : ''}${ev.peer?.address}:${ev.peer?.port} in ${ms(ev.ms)}${ev.proxy ? ` (${ev.proxy} from ${ev.source})` : ''}`);
    case 'proxy':
      return row(t, p, `${ev.request} → ${ev.status === null ? 'granted' : `${ev.status}`}${ev.tls ? ` over ${ev.tls}` : ''} in ${ms(ev.ms)}`);
    case 'tls': {
      const sni = ev.servername ? `, SNI ${ev.servername}` : '';
      const mine = ev.clientCert ? ', client cert sent' : '';
      return row(t, p, `${ev.protocol} ${ev.cipher}, cert ${ev.subject} issued by ${ev.issuer}${ev.authorized ? '' : ' (NOT verified)'}${sni}${mine} in ${ms(ev.ms)}${ev.alpn ? `, ALPN ${ev.alpn}` : ''}`);
    }
    case 'settings': {
      const ecp = ev.enableConnectProtocol ? 'extended CONNECT advertised' : 'NO extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL absent)';
      const max = ev.maxConcurrentStreams;
      const streams = max === null || max === undefined || max >= 2 ** 31 ? 'unlimited' : String(max);
      return row(t, p, `${ev.http === 'h2c' ? 'h2c' : 'h2'} SETTINGS in ${ms(ev.ms)}: ${ecp}, max streams ${streams}, window ${ev.initialWindowSize}`);
    }
    case 'redirect':
      return row(t, p, `${ev.status} → ${ev.to}`);
    case 'upgrade': {
      const who = ev.endpoint ? `, answered by wstrace endpoint "${ev.endpoint}"` : '';
      if (ev.http === '2.0') return row(t, p, `CONNECT :protocol websocket → :status ${ev.status} in ${ms(ev.ms)}${who}`);
      return row(t, p, `${ev.status} ${ev.statusText} in ${ms(ev.ms)}${who}`);
    }
    case 'open': {
      const expect = ev.expect ? `; expect ${ev.expect} (${ev.expectWhy})` : '';
      return row(t, p, `subprotocol ${ev.subprotocol ?? 'none'}, extensions ${ev.extensions ?? 'none'}${expect}`);
    }
    case 'close':
      if (ev.skipped) return row(t, p, ev.reason ?? '');
      if (ev.by === 'peer') return row(t, p, `by the peer: ${ev.code} ${closeCodeName(ev.code ?? 1005)}${ev.reason ? ` "${ev.reason}"` : ''}`);
      return row(t, p, ev.answered ? `${ev.code} ${closeCodeName(ev.code ?? 1005)} answered in ${ms(ev.ms)}` : `NO ANSWER to our close frame after ${ms(ev.ms)}: ${ev.reason}`);
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

function renderInspect(ev: InspectEvent): string[] {
  if (!ev.available) return [row(ev.t, 'inspect', ev.note)];
  const r = ev.report;
  const pad = ' '.repeat(20);
  return [
    row(ev.t, 'inspect', `endpoint "${r.endpoint}" received ${r.method} ${r.url} HTTP/${r.httpVersion} from ${r.peer.address === null ? 'a unix socket' : `${r.peer.address}:${r.peer.port}`}`),
    ...r.headers.map(([k, v]) => `${pad}${k}: ${v}`),
    `${pad}via chain: ${describeVia(r.via)}`,
  ];
}

function renderResult(ev: ClientResultEvent): string[] {
  if (!ev.ok) return ev.verdict ? renderVerdict(ev.verdict) : [];
  const { echoes, rttMs: rtt, messages } = ev;
  const parts = [ev.http === '2.0' ? `ok: ${ev.url} opened over HTTP/2 (extended CONNECT, :status 200)` : `ok: ${ev.url} upgraded (101)`];
  if (ev.expect === 'any') parts.push(`${messages.sent} sent, ${messages.received} received${ev.pongMs !== null ? `, pong in ${ev.pongMs.toFixed(1)} ms` : ''}`);
  else if (echoes.sent) parts.push(`${echoes.matched}/${echoes.sent} echoes matched${rtt ? ` (rtt min/avg/max ${rtt.min.toFixed(1)}/${rtt.avg.toFixed(1)}/${rtt.max.toFixed(1)} ms)` : ''}`);
  if (ev.closeCode !== null) parts.push(`closed ${ev.closeCode}`);
  return [parts.join(', ')];
}
