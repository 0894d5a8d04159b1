import type { IncomingMessage } from 'node:http';
import { parseVia, formatViaEntry } from '../protocol/via.js';
import { digestRequest } from '../protocol/hop-trace.js';

/** A request whose Via already carries our own wstrace entry has come round in a loop. */
export function isLoop(name: string, via: string | string[] | undefined): boolean {
  return parseVia(via).some((e) => e.wstrace && e.receivedBy === name);
}

/** Appends this hop's entry; with the request it received, the entry carries its hop-trace digest. */
export function appendVia(existing: string | string[] | number | undefined, name: string, upgradePresent: boolean, received?: IncomingMessage): string {
  const entry = formatViaEntry(name, upgradePresent, received ? digestRequest(received.httpVersion, received.headers) : undefined);
  if (existing === undefined || existing === '') return entry;
  return `${Array.isArray(existing) ? existing.join(', ') : String(existing)}, ${entry}`;
}

/**
 * X-Forwarded-For/-Host/-Proto as backends expect them. http-proxy's own `xfwd` on the ws path
 * writes `X-Forwarded-Proto: ws|wss` and no X-Forwarded-Host (node-http-proxy #886, #1379).
 */
export function forwardedHeaders(req: IncomingMessage, tlsListener: boolean): Record<string, string> {
  const add = (prev: string | string[] | undefined, value: string) => (prev ? `${String(prev)}, ${value}` : value);
  const host = req.headers['x-forwarded-host'] ?? req.headers.host;
  return {
    'x-forwarded-for': add(req.headers['x-forwarded-for'], req.socket.remoteAddress ?? 'unknown'),
    'x-forwarded-host': String(host ?? ''),
    'x-forwarded-proto': String(req.headers['x-forwarded-proto'] ?? (tlsListener ? 'https' : 'http')),
  };
}
