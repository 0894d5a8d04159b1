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
  /** For ws+unix: URLs, the unix socket to connect to (host and port are then unused). */
  socketPath?: string;
}

/** Validates a ws:// or wss:// URL at the edge; http(s) gets a hint, anything else an error. */
export function parseWsUrl(text: string, what = 'URL'): WsTarget {
  if (/^wss?\+unix:/i.test(text)) return parseUnixUrl(text, what);
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

/**
 * `ws+unix:/run/app.sock:/path?query` (the `ws` library's form; `ws+unix:///run/app.sock:/path`
 * too): the socket file, then the request path after the first `:`. Host is `localhost`.
 */
function parseUnixUrl(text: string, what: string): WsTarget {
  const m = /^(wss?)\+unix:(?:\/\/)?([^:?#]+)(?::([^#]*))?$/i.exec(text);
  if (!m || !m[2]!.startsWith('/') && !m[2]!.startsWith('.')) {
    throw new InputError('ERR_BAD_URL', `malformed ${what} "${text}": expected ws+unix:/path/to.sock:/request-path`);
  }
  const secure = m[1]!.toLowerCase() === 'wss';
  const socketPath = m[2]!;
  const path = m[3] ? (m[3].startsWith('/') ? m[3] : `/${m[3]}`) : '/';
  const url = new URL(`${secure ? 'wss' : 'ws'}://localhost${path}`);
  return { url, secure, host: 'localhost', port: secure ? 443 : 80, path: url.pathname + url.search, hostHeader: 'localhost', socketPath };
}

/** How a target is shown to people: its URL, or for a unix socket the ws+unix: form. */
export function displayUrl(t: WsTarget): string {
  return t.socketPath ? `${t.secure ? 'wss' : 'ws'}+unix:${t.socketPath}:${t.path}` : t.url.href;
}

/**
 * A 3xx Location as the next target: relative to the current URL; http(s) becomes ws(s), as
 * servers that redirect an upgrade usually name the page's scheme.
 */
export function redirectTarget(location: string, from: WsTarget): { ok: true; target: WsTarget } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(location, from.url);
  } catch {
    return { ok: false, reason: 'the Location is not a URL' };
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return { ok: false, reason: `scheme ${url.protocol} is not ws:, wss:, http: or https:` };
  url.hash = '';
  try {
    const target = parseWsUrl(url.href, 'Location');
    // A relative redirect on a unix socket stays on that socket.
    if (from.socketPath && url.host === from.url.host) target.socketPath = from.socketPath;
    return { ok: true, target };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/** Formats host:port for a listening address, bracketing IPv6. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function parsePort(value: unknown, what = '--port'): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InputError('ERR_BAD_PORT', `bad ${what} "${String(value)}": use 0-65535 (0 picks a free port)`);
  }
  return n;
}
