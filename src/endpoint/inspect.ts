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

export function buildReport(endpoint: string, req: IncomingMessage, subprotocol: string, extensions: string): HandshakeReport {
  const socket = req.socket;
  const tlsSocket = (socket as TLSSocket).encrypted ? (socket as TLSSocket) : undefined;
  return {
    event: 'inspect',
    endpoint,
    method: req.method ?? '',
    url: req.url ?? '',
    httpVersion: req.httpVersion,
    headers: pairRawHeaders(req.rawHeaders),
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
