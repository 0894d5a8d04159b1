// The HTTP CONNECT exchange with a forward proxy (RFC 9110 §9.3.6), for ws:// and wss:// alike:
// a WebSocket needs a raw byte stream, which only a tunnel gives through an HTTP proxy.
import type { Duplex } from 'node:stream';
import { BODY_PREVIEW_BYTES, MAX_HEAD_BYTES } from '../constants.js';
import { proxyAnswerVerdict, VerdictError, type ProxyAnswer } from '../diagnose/proxy.js';
import type { ProxySpec } from './proxy-url.js';
import { readMessage, readSome } from './read.js';

export interface ConnectResult {
  status: number;
  statusText: string;
  headers: [string, string][];
}

/** `host:port` as a CONNECT request-target (RFC 9110 §9.3.6: authority-form, IPv6 in brackets). */
export function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function basicCredentials(proxy: ProxySpec): string | undefined {
  if (proxy.username === undefined) return undefined;
  return `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`;
}

/**
 * Asks the proxy for a tunnel to host:port. Resolves on a 2xx (the socket is the tunnel from
 * then on); any other answer, or none, rejects with a VerdictError naming the proxy's reason.
 */
export async function httpConnect(socket: Duplex, proxy: ProxySpec, host: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  const target = authority(host, port);
  const auth = basicCredentials(proxy);
  socket.write(
    `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}User-Agent: wstrace\r\n\r\n`,
  );
  const head = await readMessage(socket, headEnd, timeoutMs, MAX_HEAD_BYTES);
  const parsed = parseHead(head);
  if (!parsed) {
    const first = head.toString('latin1').split(/\r?\n/)[0]!.slice(0, 80);
    throw new VerdictError(proxyAnswerVerdict({ proxy, target, status: 0, statusText: '', headers: [], body: '', sentCredentials: Boolean(auth), garbled: first }));
  }
  if (parsed.status >= 200 && parsed.status < 300) return parsed;
  const length = Number(parsed.headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1] ?? NaN);
  const want = Number.isInteger(length) ? Math.min(length, BODY_PREVIEW_BYTES) : BODY_PREVIEW_BYTES;
  const body = await readSome(socket, BODY_PREVIEW_BYTES, Math.min(timeoutMs, 1_000), Buffer.alloc(0), (b) => b.length >= want);
  const answer: ProxyAnswer = { proxy, target, ...parsed, body: body.toString('utf8'), sentCredentials: Boolean(auth) };
  throw new VerdictError(proxyAnswerVerdict(answer));
}

function headEnd(buf: Buffer): number | undefined {
  const i = buf.indexOf('\r\n\r\n');
  if (i >= 0) return i + 4;
  const j = buf.indexOf('\n\n');
  return j >= 0 ? j + 2 : undefined;
}

function parseHead(head: Buffer): ConnectResult | undefined {
  const lines = head.toString('latin1').split(/\r?\n/);
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
  if (!m) return undefined;
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return { status: Number(m[1]), statusText: m[2] ?? '', headers };
}
