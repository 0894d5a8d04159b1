// The hop trace: what each wstrace hop (and the endpoint) *received* of the opening handshake,
// carried in the hop's Via entry so the next hop, the endpoint and the client can compare. The
// received HTTP version is Via's own first field (RFC 9110 §7.6.3 received-protocol); the rest
// is a compact digest in the comment: `u=websocket c=upgrade v=13 p=chat.v1 x=permessage-deflate
// o=https://app.example h=app.example:443`, `-` for an absent header. Values that could break a
// comment or run long are replaced by `#` and a short hash, which still shows *that* they changed.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

export const TRACE_FIELDS = ['http', 'upgrade', 'connection', 'version', 'protocol', 'extensions', 'origin', 'host'] as const;
export type TraceField = (typeof TRACE_FIELDS)[number];
/** One point of the trace; null = the header was absent. */
export type Digest = Record<TraceField, string | null>;

/** What a user calls each field. */
export const FIELD_HEADER: Record<TraceField, string> = {
  http: 'HTTP version', upgrade: 'Upgrade', connection: 'Connection', version: 'Sec-WebSocket-Version',
  protocol: 'Sec-WebSocket-Protocol', extensions: 'Sec-WebSocket-Extensions', origin: 'Origin', host: 'Host',
};

const KEY: Record<Exclude<TraceField, 'http'>, string> = { upgrade: 'u', connection: 'c', version: 'v', protocol: 'p', extensions: 'x', origin: 'o', host: 'h' };
/** The fields a Via comment carries (all but `http`, which is Via's protocol field), in KEY's order. */
const KEYED = TRACE_FIELDS.filter((f): f is Exclude<TraceField, 'http'> => f !== 'http');
const SAFE = /^[A-Za-z0-9.:[\]_~/+-]{1,80}$/;

type Headers = IncomingHttpHeaders | OutgoingHttpHeaders;

/** The digest of a request as received (`httpVersion` as Node reports it: "1.1", "1.0"). */
export function digestRequest(httpVersion: string, headers: Headers): Digest {
  const get = (name: string): string | null => {
    const v = headers[name];
    if (v === undefined) return null;
    return Array.isArray(v) ? v.join(', ') : String(v);
  };
  const tokens = (v: string | null) => (v === null ? null : v.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean).join('+') || null);
  const extensions = get('sec-websocket-extensions');
  return {
    http: httpVersion,
    upgrade: tokens(get('upgrade')),
    connection: tokens(get('connection')),
    version: safe(get('sec-websocket-version')?.trim() ?? null),
    protocol: get('sec-websocket-protocol') === null ? null : safe(get('sec-websocket-protocol')!.split(',').map((t) => t.trim()).filter(Boolean).join('+')),
    extensions: extensions === null ? null : safe(extensions.split(',').map((e) => e.split(';')[0]!.trim().toLowerCase()).filter(Boolean).join('+')),
    origin: safe(get('origin')),
    host: safe(get('host')),
  };
}

/**
 * The digest of an extended CONNECT received over HTTP/2 (RFC 8441 §4-5): `:protocol` stands for
 * Upgrade (and the CONNECT itself for `Connection: upgrade`), `:authority` for Host, so a trace
 * across an HTTP/1.1 ↔ HTTP/2 conversion shows only the version changing, not a lost upgrade.
 */
export function digestH2Request(headers: Headers): Digest {
  const protocol = headers[':protocol'];
  const isConnect = headers[':method'] === 'CONNECT' && typeof protocol === 'string';
  return {
    ...digestRequest('2', headers),
    upgrade: isConnect ? protocol.toLowerCase() : null,
    connection: isConnect ? 'upgrade' : null,
    host: headers[':authority'] === undefined ? null : safe(String(headers[':authority'])),
  };
}

function safe(v: string | null): string | null {
  if (v === null) return null;
  if (SAFE.test(v)) return v;
  return `#${createHash('sha256').update(v).digest('hex').slice(0, 8)}`;
}

/** The comment part: `u=websocket c=upgrade …` (the HTTP version goes in Via's first field). */
export function formatDigest(d: Digest): string {
  return KEYED.map((f) => `${KEY[f]}=${d[f] ?? '-'}`).join(' ');
}

/** Reads a digest back from `u=… c=…`; `http` comes from the entry's protocol field. */
export function parseDigest(http: string, text: string): Digest | undefined {
  const out: Digest = { http: http.replace(/^HTTP\//i, ''), upgrade: null, connection: null, version: null, protocol: null, extensions: null, origin: null, host: null };
  const byKey = new Map(KEYED.map((f) => [KEY[f], f]));
  const seen = new Set<TraceField>();
  for (const pair of text.trim().split(/\s+/)) {
    const m = /^([a-z])=(.*)$/.exec(pair);
    const field = m && byKey.get(m[1]!);
    if (!field) return undefined;
    out[field] = m[2] === '-' ? null : m[2]!;
    seen.add(field);
  }
  return KEYED.every((f) => seen.has(f)) ? out : undefined;
}

/** One point of a trace: who received (or sent) the request, and what it held. */
export interface TracePoint {
  at: string;
  digest: Digest;
}

export interface TraceChange {
  field: TraceField;
  header: string;
  /** The point before the change (the client's own request first) and the first point after it. */
  from: string;
  to: string;
  before: string | null;
  after: string | null;
}

/**
 * Every field that differs between consecutive points, first point first. A field changed
 * between `from` and `to`: whatever sits between them (a real hop, or the wstrace hop `from`
 * itself with a fault) altered it.
 */
export function traceChanges(points: TracePoint[]): TraceChange[] {
  const out: TraceChange[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    for (const f of TRACE_FIELDS) {
      if (a.digest[f] !== b.digest[f]) out.push({ field: f, header: FIELD_HEADER[f], from: a.at, to: b.at, before: a.digest[f], after: b.digest[f] });
    }
  }
  return out;
}

export function describeChange(c: TraceChange): string {
  const v = (x: string | null) => (x === null ? 'absent' : `"${x}"`);
  const what = c.after === null ? 'was removed' : c.before === null ? 'was added' : 'changed';
  return `${c.header} ${what} between "${c.from}" and "${c.to}": ${v(c.before)} → ${v(c.after)}`;
}

/** `1.1 u=websocket c=upgrade …`: the endpoint's own receipt, in the RECEIVED_HEADER. */
export function formatReceived(d: Digest): string {
  return `${d.http} ${formatDigest(d)}`;
}

export function parseReceived(text: string | undefined): Digest | undefined {
  if (!text) return undefined;
  const m = /^(\S+)\s+(.*)$/.exec(text.trim());
  return m ? parseDigest(m[1]!, m[2]!) : undefined;
}

/** The first point that received the request in an HTTP version older than 1.1 (RFC 6455 §4.1). */
export function firstDowngrade(points: TracePoint[]): { point: TracePoint; before: TracePoint | undefined } | undefined {
  const i = points.findIndex((p) => p.digest.http !== null && /^(0\.9|1\.0)$/.test(p.digest.http));
  return i < 0 ? undefined : { point: points[i]!, before: points[i - 1] };
}
