import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { pairRawHeaders } from '../net/header.js';
import { remoteEnd, type SocketAddress } from '../net/sockets.js';
import { describeSettings, type H2Settings } from '../protocol/h2.js';
import { parseVia, type ViaEntry } from '../protocol/via.js';
import { digestH2Request, digestRequest, type Digest } from '../protocol/hop-trace.js';

/** What the endpoint saw of one opening handshake. */
export interface HandshakeReport {
  endpoint: string;
  method: string;
  url: string;
  httpVersion: string;
  /** Arrival order, raw casing, as the last hop sent them; over HTTP/2 the pseudo-headers (`:protocol`…) first. */
  headers: [string, string][];
  peer: SocketAddress;
  tls: null | { protocol: string | null; cipher: string | null; servername: string | null; alpn: string | null; clientCert: string | null };
  via: ViaEntry[];
  /** The hop-trace digest of what the endpoint received (the last point of the trace). */
  received: Digest;
  subprotocol: string | null;
  extensions: string | null;
  /** Over HTTP/2 (RFC 8441): the extended CONNECT's `:protocol` and the SETTINGS the client sent; null over HTTP/1.1. */
  h2: null | { protocol: string | null; settings: H2Settings };
  receivedAt: string;
}

/**
 * Credentials a browser or a hop attaches. The report is readable by anyone who can open a
 * WebSocket to the endpoint (from any Origin), so by default it shows that they arrived and how
 * long they are, never their value; `wstrace echo --show-secrets` shows them.
 */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

const REDACTED = /^\[redacted: \d+ bytes\]$/;

/** Idempotent: a client masking a report the endpoint already masked keeps the endpoint's lengths. */
export function redactSecrets(headers: [string, string][]): [string, string][] {
  return headers.map(([k, v]): [string, string] => (SECRET_HEADERS.has(k.toLowerCase()) && !REDACTED.test(v) ? [k, `[redacted: ${Buffer.byteLength(v)} bytes]`] : [k, v]));
}

function shown(raw: string[], showSecrets: boolean): [string, string][] {
  const headers = pairRawHeaders(raw);
  return showSecrets ? headers : redactSecrets(headers);
}

/** The endpoint's answer to `wstrace:inspect` on the wire: the report, tagged. */
export type InspectAnswer = { event: 'inspect' } & HandshakeReport;

export function buildReport(endpoint: string, req: IncomingMessage, subprotocol: string, extensions: string, showSecrets = false): InspectAnswer {
  return {
    event: 'inspect',
    endpoint,
    method: req.method ?? '',
    url: req.url ?? '',
    httpVersion: req.httpVersion,
    headers: shown(req.rawHeaders, showSecrets),
    ...connectionFacts(req.socket),
    via: parseVia(req.headers.via),
    received: digestRequest(req.httpVersion, req.headers),
    subprotocol: subprotocol || null,
    extensions: extensions || null,
    h2: null,
    receivedAt: new Date().toISOString(),
  };
}

/** The same report for an extended CONNECT stream. */
export function buildH2Report(endpoint: string, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, rawHeaders: string[], subprotocol: string, showSecrets = false): InspectAnswer {
  const session = stream.session!;
  return {
    event: 'inspect',
    endpoint,
    method: String(headers[':method'] ?? ''),
    url: String(headers[':path'] ?? ''),
    httpVersion: '2.0',
    headers: shown(rawHeaders, showSecrets),
    ...connectionFacts(session.socket),
    via: parseVia(headers.via),
    received: digestH2Request(headers),
    subprotocol: subprotocol || null,
    extensions: null,
    h2: { protocol: typeof headers[':protocol'] === 'string' ? headers[':protocol'] : null, settings: describeSettings(session.remoteSettings) },
    receivedAt: new Date().toISOString(),
  };
}

/** The answer to `wstrace:inspect`, as a client reads it back: the fields every answer has. */
export function isInspectAnswer(v: unknown): v is InspectAnswer {
  if (typeof v !== 'object' || v === null) return false;
  const r: Partial<Record<keyof InspectAnswer, unknown>> = v;
  return r.event === 'inspect' && typeof r.endpoint === 'string' && typeof r.method === 'string' && typeof r.url === 'string' && typeof r.httpVersion === 'string'
    && Array.isArray(r.headers) && Array.isArray(r.via) && typeof r.peer === 'object' && r.peer !== null;
}

function connectionFacts(socket: Socket): Pick<HandshakeReport, 'peer' | 'tls'> {
  const tlsSocket = socket instanceof TLSSocket ? socket : undefined;
  return {
    peer: remoteEnd(socket),
    tls: tlsSocket
      ? {
          protocol: tlsSocket.getProtocol(),
          cipher: tlsSocket.getCipher()?.name ?? null,
          servername: tlsSocket.servername || null,
          alpn: tlsSocket.alpnProtocol || null,
          clientCert: clientSubject(tlsSocket),
        }
      : null,
  };
}

/** The client certificate's subject CN, when one was presented (mTLS). */
function clientSubject(socket: TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  const cn = cert && cert.subject ? cert.subject.CN : undefined;
  return cn === undefined ? null : String(cn);
}
