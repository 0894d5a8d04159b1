import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { HOP_HEADER } from '../constants.js';
import { errnoOf } from '../errors.js';

/**
 * Answers on a raw (upgrade) socket, where there is no ServerResponse, then closes it.
 * http-proxy would `destroy()` such sockets silently; we always say why, and name the hop.
 */
export function answerRaw(
  socket: Duplex, status: number, hop: string, message: string, extra: Record<string, string> = {}, fields: Record<string, unknown> = {},
): void {
  if (!socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: STATUS_CODES[status] ?? 'error', hop, message, ...fields }) + '\n';
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Connection: 'close',
    [HOP_HEADER]: hop,
    ...extra,
  };
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(head.join('\r\n') + '\r\n\r\n' + body);
  // end() flushes and sends FIN; a client that never reads must not keep the socket forever.
  const timer = setTimeout(() => socket.destroy(), 2_000);
  socket.once('close', () => clearTimeout(timer));
}

/** How a hop's upstream failed, as the `failure` field of its 502 body (read by src/diagnose/response.ts). */
export type UpstreamFailure = 'connect-refused' | 'connect-timeout' | 'dns-failure' | 'connect-failed' | 'no-response' | 'bad-response';

const BY_ERRNO: Record<string, UpstreamFailure> = {
  ECONNREFUSED: 'connect-refused', ETIMEDOUT: 'connect-timeout', ENOTFOUND: 'dns-failure', EAI_AGAIN: 'dns-failure',
  EHOSTUNREACH: 'connect-failed', ENETUNREACH: 'connect-failed', EADDRNOTAVAIL: 'connect-failed',
};

/** Whether the hop failed to connect (and how) or connected and got no (or a bad) answer. */
export function upstreamFailure(err: unknown): { failure: UpstreamFailure; errno: string | null } {
  const errno = errnoOf(err) ?? null;
  const failure = (errno ? BY_ERRNO[errno] : undefined) ?? (errno?.startsWith('HPE_') ? 'bad-response' : 'no-response');
  return { failure, errno };
}
