/**
 * The opening handshake written and read by hand (RFC 6455 §4.1, §4.2.2). A normal client
 * library refuses a 101 it dislikes before we can look at it; the probe wants every byte,
 * so it builds the request itself and parses the response head leniently, noting every
 * deviation from RFC 9112 §2-§5 instead of rejecting it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isToken } from '../net/header.js';
import type { WsTarget } from '../net/url.js';

export interface UpgradeRequestSpec {
  target: WsTarget;
  key: string;
  subprotocols: string[];
  /** Sec-WebSocket-Extensions offer, if any. */
  extensions?: string | undefined;
  /** Connection header value; Firefox sends `keep-alive, Upgrade`. */
  connection?: string | undefined;
  /** User headers; a name that matches a default replaces it. */
  headers: Record<string, string>;
}

export function buildUpgradeRequest(spec: UpgradeRequestSpec): string {
  const fields: [string, string][] = [
    ['Host', spec.target.hostHeader],
    ['Upgrade', 'websocket'],
    ['Connection', spec.connection ?? 'Upgrade'],
    ['Sec-WebSocket-Key', spec.key],
    ['Sec-WebSocket-Version', '13'],
    ['User-Agent', 'wstrace-probe'],
  ];
  if (spec.subprotocols.length) fields.push(['Sec-WebSocket-Protocol', spec.subprotocols.join(', ')]);
  if (spec.extensions) fields.push(['Sec-WebSocket-Extensions', spec.extensions]);
  for (const [name, value] of Object.entries(spec.headers)) {
    const i = fields.findIndex(([k]) => k.toLowerCase() === name.toLowerCase());
    if (i >= 0) fields[i] = [name, value];
    else fields.push([name, value]);
  }
  return `GET ${spec.target.path} HTTP/1.1\r\n${fields.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
}

export interface ResponseHead {
  httpVersion: string;
  status: number;
  statusText: string;
  /** Raw casing, arrival order. */
  rawHeaders: [string, string][];
  /** Lower-cased names; repeated fields joined with ", " (set-cookie kept as a list). */
  headers: IncomingHttpHeaders;
  /** Everything in the head that a strict HTTP/1.1 parser would refuse or frown at. */
  problems: string[];
}

/** Index just past the blank line that ends the head, or -1 while it is incomplete. */
export function findHeadEnd(buf: Buffer): number {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return -1;
  if (crlf >= 0 && (lf < 0 || crlf + 2 <= lf)) return crlf + 4;
  return lf + 2;
}

/** Returns undefined when the first line is not an HTTP status line at all. */
export function parseResponseHead(head: Buffer): ResponseHead | undefined {
  const problems: string[] = [];
  const text = head.toString('latin1');
  if (/(^|[^\r])\n/.test(text)) problems.push('bare LF line endings (RFC 9112 §2.2 wants CRLF)');
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const statusLine = lines.shift() ?? '';
  const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) return undefined;
  const httpVersion = `${m[1]}.${m[2]}`;
  if (httpVersion !== '1.1') problems.push(`status line says HTTP/${httpVersion}, a 101 needs HTTP/1.1`);
  const rawHeaders: [string, string][] = [];
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      problems.push(`obsolete line folding: ${JSON.stringify(line.slice(0, 60))} (RFC 9112 §5.2)`);
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!isToken(name)) {
      problems.push(`malformed header line ${JSON.stringify(line.slice(0, 60))}`);
      continue;
    }
    const value = line.slice(colon + 1).trim();
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) problems.push(`control characters in the value of ${name}`);
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    const prev = headers[key];
    if (key === 'set-cookie') headers[key] = [...(Array.isArray(prev) ? prev : []), value];
    else headers[key] = prev === undefined ? value : `${String(prev)}, ${value}`;
  }
  return { httpVersion, status: Number(m[3]), statusText: m[4] ?? '', rawHeaders, headers, problems };
}

/** All values of one header, in arrival order (duplicates matter for Sec-WebSocket-Accept). */
export function headerValues(head: ResponseHead, name: string): string[] {
  const lower = name.toLowerCase();
  return head.rawHeaders.filter(([k]) => k.toLowerCase() === lower).map(([, v]) => v);
}

/** RFC 9112 §7.1 chunked body → its bytes so far, and whether the last chunk has arrived. */
export function dechunk(buf: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let off = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', off);
    if (eol < 0) return { body: Buffer.concat(parts), complete: false };
    const size = Number.parseInt(buf.toString('latin1', off, eol).split(';')[0]!.trim(), 16);
    // A malformed size line ends the preview: we only show the body, we do not judge it.
    if (!Number.isFinite(size) || size === 0) return { body: Buffer.concat(parts), complete: true };
    const start = eol + 2;
    if (buf.length < start + size) {
      parts.push(buf.subarray(start));
      return { body: Buffer.concat(parts), complete: false };
    }
    parts.push(buf.subarray(start, start + size));
    off = start + size + 2;
  }
}
