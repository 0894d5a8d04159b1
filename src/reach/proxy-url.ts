// Forward-proxy URLs and the curl rules for choosing one from the environment.
import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { isOneOf } from '../guards.js';

export const PROXY_SCHEMES = ['http', 'https', 'socks5', 'socks5h'] as const;
export type ProxyScheme = (typeof PROXY_SCHEMES)[number];

export interface ProxySpec {
  scheme: ProxyScheme;
  /** Host name or address, without IPv6 brackets. */
  host: string;
  port: number;
  username?: string | undefined;
  password?: string | undefined;
  /** The URL as shown to people: scheme://host:port, never the password. */
  display: string;
  /** Where it came from: "--proxy", "HTTPS_PROXY"… */
  source: string;
}

/** Environment variables a proxy choice reads; captured at the CLI edge so the library stays pure. */
export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** curl's defaults: 1080 for every proxy scheme but https (443). */
const DEFAULT_PORT: Record<ProxyScheme, number> = { http: 1080, https: 443, socks5: 1080, socks5h: 1080 };

/**
 * Parses `[scheme://][user[:password]@]host[:port]`. No scheme means http://, as in curl.
 * Credentials may be percent-encoded (a password with `@` or `:`).
 */
export function parseProxyUrl(text: string, source = '--proxy'): ProxySpec {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError('ERR_BAD_PROXY', `bad ${source} "${redact(text)}": expected [http|https|socks5|socks5h]://[user:password@]host[:port]`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!isOneOf(PROXY_SCHEMES, scheme)) {
    throw new InputError('ERR_BAD_PROXY', `bad ${source} "${redact(text)}": unsupported scheme "${scheme}://" (use http, https, socks5 or socks5h)`);
  }
  if (!url.hostname) throw new InputError('ERR_BAD_PROXY', `bad ${source} "${redact(text)}": no host`);
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    throw new InputError('ERR_BAD_PROXY', `bad ${source} "${redact(text)}": a proxy URL has no path`);
  }
  const s = scheme;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : DEFAULT_PORT[s];
  const decode = (v: string) => {
    try {
      return decodeURIComponent(v);
    } catch {
      throw new InputError('ERR_BAD_PROXY', `bad ${source} "${redact(text)}": credentials are not valid percent-encoding`);
    }
  };
  return {
    scheme: s,
    host,
    port,
    username: url.username ? decode(url.username) : undefined,
    password: url.password ? decode(url.password) : undefined,
    display: `${s}://${url.username ? `${url.username}:***@` : ''}${isIP(host) === 6 ? `[${host}]` : host}:${port}`,
    source,
  };
}

/** The proxy URL without its password, for error messages. */
function redact(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}

/** First set, non-empty variable among `names`, with the name that held it. */
function fromEnv(env: ProxyEnv, names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { name, value: value.trim() };
  }
  return undefined;
}

export interface ProxyChoice {
  /** An explicit --proxy; `null` is --proxy "" (no proxy, whatever the environment says). */
  explicit?: ProxySpec | null | undefined;
  /** --noproxy: replaces NO_PROXY/no_proxy when given. */
  noProxy?: string | undefined;
  env?: ProxyEnv | undefined;
}

/**
 * The proxy for one target, as curl picks it: --proxy, else the scheme's variable (ws:// reads
 * http_proxy, wss:// https_proxy; lower case first, then upper), else ALL_PROXY; the exclusions
 * (--noproxy, else NO_PROXY) apply to both. Unlike curl we also read HTTP_PROXY in upper case:
 * curl skips it only because CGI puts a request header there (httpoxy), and we are no CGI.
 */
export function proxyFor(target: { secure: boolean; host: string }, choice: ProxyChoice): ProxySpec | undefined {
  const env = choice.env ?? {};
  const noProxy = choice.noProxy ?? fromEnv(env, ['no_proxy', 'NO_PROXY'])?.value;
  if (noProxy !== undefined && matchesNoProxy(target.host, noProxy)) return undefined;
  if (choice.explicit !== undefined) return choice.explicit ?? undefined;
  const names = target.secure ? ['https_proxy', 'HTTPS_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const found = fromEnv(env, [...names, 'all_proxy', 'ALL_PROXY']);
  return found ? parseProxyUrl(found.value, found.name) : undefined;
}

/**
 * curl's NO_PROXY: comma-separated; `*` alone matches every host; a name matches itself and
 * its subdomains (a leading dot is ignored); an address matches itself, or a CIDR range
 * (`10.0.0.0/8`) the addresses in it. Ports, if written, are ignored as curl does.
 */
export function matchesNoProxy(host: string, list: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of list.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    if (entry.startsWith('[')) entry = entry.replace(/^\[([^\]]*)\](:\d+)?$/, '$1');
    else if (/^[^:]*:\d+$/.test(entry)) entry = entry.replace(/:\d+$/, '');
    const slash = entry.indexOf('/');
    if (slash > 0) {
      if (isIP(h) && inCidr(h, entry.slice(0, slash), Number(entry.slice(slash + 1)))) return true;
      continue;
    }
    if (isIP(entry) || isIP(h)) {
      if (entry === h) return true;
      continue;
    }
    const name = entry.replace(/^\./, '').replace(/\.$/, '');
    if (h === name || h.endsWith(`.${name}`)) return true;
  }
  return false;
}

function inCidr(address: string, network: string, bits: number): boolean {
  const a = toBits(address);
  const n = toBits(network);
  if (!a || !n || a.length !== n.length || !Number.isInteger(bits) || bits < 0 || bits > a.length) return false;
  return a.slice(0, bits) === n.slice(0, bits);
}

/** An address as a string of bits (32 for IPv4, 128 for IPv6), or undefined. */
function toBits(address: string): string | undefined {
  if (isIP(address) === 4) return address.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join('');
  if (isIP(address) !== 6) return undefined;
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const parts = (s: string | undefined) => (s ? s.split(':') : []);
  const h = parts(head);
  const t = parts(tail);
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) return undefined;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}
