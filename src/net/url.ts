import { InputError } from '../errors.js';

export interface WsTarget {
  url: URL;
  secure: boolean;
  /** Host name or address as written, without IPv6 brackets. */
  host: string;
  port: number;
  /** Path plus query, as sent in the request line. */
  path: string;
  /** `Host` header value: host[:port] with the port only when not the scheme default. */
  hostHeader: string;
}

/** Validates a ws:// or wss:// URL at the edge; http(s) gets a hint, anything else an error. */
export function parseWsUrl(text: string, what = 'URL'): WsTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError('ERR_BAD_URL', `malformed ${what} "${text}": expected ws://host[:port]/path or wss://…`);
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const hint = url.protocol === 'http:' ? 'ws' : 'wss';
    throw new InputError('ERR_BAD_SCHEME', `unsupported scheme "${url.protocol}" in ${what} "${text}": use ${hint}://${url.host}${url.pathname}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new InputError('ERR_BAD_SCHEME', `unsupported scheme "${url.protocol}" in ${what} "${text}": use ws:// or wss://`);
  }
  if (!url.hostname) throw new InputError('ERR_BAD_URL', `malformed ${what} "${text}": no host`);
  if (url.hash) throw new InputError('ERR_BAD_URL', `malformed ${what} "${text}": a WebSocket URL has no #fragment (RFC 6455 §3)`);
  const secure = url.protocol === 'wss:';
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { url, secure, host, port, path: (url.pathname || '/') + url.search, hostHeader: url.host };
}

/** http-proxy wants http(s) targets; a proxy target is a base URL the request path is appended to. */
export function toHttpBase(target: WsTarget): string {
  const scheme = target.secure ? 'https:' : 'http:';
  const prefix = target.url.pathname === '/' ? '' : target.url.pathname.replace(/\/$/, '');
  return `${scheme}//${target.url.host}${prefix}`;
}

/** Formats host:port for a listening address, bracketing IPv6. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parsePort(value: unknown, what = '--port'): number {
  // Number('') is 0 and Number('0x50') is 80: a port given as text must be plain digits.
  const n = typeof value === 'number' ? value : /^\d{1,5}$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InputError('ERR_BAD_PORT', `bad ${what} ${JSON.stringify(String(value))}: use 0-65535 (0 picks a free port)`);
  }
  return n;
}
