import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { pairRawHeaders } from '../net/header.js';
import { parseVia, type ViaEntry } from '../protocol/via.js';
import { digestRequest, type Digest } from '../protocol/hop-trace.js';

/** What the endpoint saw of one opening handshake: the answer to `wstrace:inspect`. */
export interface HandshakeReport {
  event: 'inspect';
  endpoint: string;
  method: string;
  url: string;
  httpVersion: string;
  /** Arrival order, raw casing, as the last hop sent them. */
  headers: [string, string][];
  peer: { address: string | null; port: number | null; family: string | null };
  tls: null | { protocol: string | null; cipher: string | null; servername: string | null; alpn: string | null; clientCert: string | null };
  via: ViaEntry[];
  /** The hop-trace digest of what the endpoint received (the last point of the trace). */
  received: Digest;
  subprotocol: string | null;
  extensions: string | null;
  receivedAt: string;
}

/**
 * Credentials a browser or a hop attaches. The report is readable by anyone who can open a
 * WebSocket to the endpoint (from any Origin), so by default it shows that they arrived and how
 * long they are, never their value; `wstrace echo --show-secrets` shows them.
 */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

export function redactSecrets(headers: [string, string][]): [string, string][] {
  return headers.map(([k, v]): [string, string] => (SECRET_HEADERS.has(k.toLowerCase()) ? [k, `[redacted: ${Buffer.byteLength(v)} bytes]`] : [k, v]));
}

export function buildReport(endpoint: string, req: IncomingMessage, subprotocol: string, extensions: string, showSecrets = false): HandshakeReport {
  const headers = pairRawHeaders(req.rawHeaders);
  const socket = req.socket;
  const tlsSocket = (socket as TLSSocket).encrypted ? (socket as TLSSocket) : undefined;
  return {
    event: 'inspect',
    endpoint,
    method: req.method ?? '',
    url: req.url ?? '',
    httpVersion: req.httpVersion,
    headers: showSecrets ? headers : redactSecrets(headers),
    peer: { address: socket.remoteAddress ?? null, port: socket.remotePort ?? null, family: socket.remoteFamily ?? null },
    tls: tlsSocket
      ? {
          protocol: tlsSocket.getProtocol(),
          cipher: tlsSocket.getCipher()?.name ?? null,
          servername: (tlsSocket as TLSSocket & { servername?: string | false }).servername || null,
          alpn: tlsSocket.alpnProtocol || null,
          clientCert: clientSubject(tlsSocket),
        }
      : null,
    via: parseVia(req.headers.via),
    received: digestRequest(req.httpVersion, req.headers),
    subprotocol: subprotocol || null,
    extensions: extensions || null,
    receivedAt: new Date().toISOString(),
  };
}

/** The client certificate's subject CN, when one was presented (mTLS). */
function clientSubject(socket: TLSSocket): string | null {
  const cert = socket.getPeerCertificate();
  const cn = cert && cert.subject ? cert.subject.CN : undefined;
  return cn === undefined ? null : String(cn);
}
