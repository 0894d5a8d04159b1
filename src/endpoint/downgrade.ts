import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ENDPOINT_HEADER, RECEIVED_HEADER } from '../constants.js';
import { digestRequest, formatReceived } from '../protocol/hop-trace.js';
import { describeVia, parseVia, type ViaEntry } from '../protocol/via.js';

/** The body of the endpoint's 400 to a downgraded upgrade (read by src/diagnose/response.ts). */
export interface VersionDowngradeBody {
  error: 'version-downgrade';
  endpoint: string;
  /** Who received the request in HTTP/1.0: a Via name, or the endpoint itself. */
  receivedBy: string;
  /** The hop before it that still received HTTP/1.1, when Via names one. */
  after: string | null;
  httpVersion: string;
  via: ViaEntry[];
}

/**
 * RFC 6455 §4.1: the opening handshake is an HTTP/1.1 (or later) request. A hop that forwards it
 * as HTTP/1.0 (nginx `proxy_http_version 1.0`, its default) breaks that, even when the next hop
 * re-sends HTTP/1.1 and the upgrade happens to work. Via's first field is the version each hop
 * received (RFC 9110 §7.6.3), so the endpoint sees the downgrade however far out it happened.
 */
export function versionDowngrade(endpoint: string, req: IncomingMessage): VersionDowngradeBody | undefined {
  const via = parseVia(req.headers.via);
  const old = (v: string) => /^(HTTP\/)?(0\.9|1\.0)$/i.test(v);
  const i = via.findIndex((e) => old(e.protocol));
  if (i < 0 && !old(req.httpVersion)) return undefined;
  const receivedBy = i < 0 ? endpoint : via[i]!.receivedBy;
  const after = i < 0 ? (via[via.length - 1]?.receivedBy ?? null) : (via[i - 1]?.receivedBy ?? null);
  return { error: 'version-downgrade', endpoint, receivedBy, after, httpVersion: i < 0 ? req.httpVersion : via[i]!.protocol, via };
}

/** Answers 400 with a JSON body that names where the request arrived as HTTP/1.0, and closes. */
export function refuseDowngrade(socket: Duplex, endpoint: string, req: IncomingMessage, body: VersionDowngradeBody): void {
  const text = JSON.stringify({ ...body, hint: `"${body.receivedBy}" received the upgrade as HTTP/${body.httpVersion.replace(/^HTTP\//i, '')}${body.after ? ` from the hop after "${body.after}"` : ''} (Via: ${describeVia(body.via)})` }) + '\n';
  socket.end(
    'HTTP/1.1 400 Bad Request\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(text)}\r\n` +
      `${ENDPOINT_HEADER}: ${endpoint}\r\n` +
      `${RECEIVED_HEADER}: ${formatReceived(digestRequest(req.httpVersion, req.headers))}\r\n` +
      'Connection: close\r\n\r\n' +
      text,
  );
}
