// Verdicts for the forward proxy a client goes through: its CONNECT answer, its SOCKS reply,
// and failing to reach it at all. The proxy is a hop; its refusals name the proxy, not the target.
import { errnoOf, messageOf } from '../errors.js';
import { verdict, type Verdict } from './catalogue.js';
import type { ProxySpec } from '../reach/proxy-url.js';

/** An error that already knows its verdict (a proxy's refusal is diagnosed where it is read). */
export class VerdictError extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict.summary);
    this.name = 'VerdictError';
  }
}

export interface ProxyAnswer {
  proxy: ProxySpec;
  /** host:port asked for in CONNECT. */
  target: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  sentCredentials: boolean;
  /** The first line, when it was not HTTP at all. */
  garbled?: string;
}

const header = (a: ProxyAnswer, name: string) => a.headers.filter(([k]) => k.toLowerCase() === name).map(([, v]) => v);

/** `Basic realm="Squid proxy"` → scheme and realm of each challenge (RFC 9110 §11.6.2). */
export function parseChallenges(values: string[]): { scheme: string; realm: string | undefined }[] {
  const out: { scheme: string; realm: string | undefined }[] = [];
  for (const value of values) {
    // A challenge starts with a token followed by a space or the end; parameters follow it.
    for (const m of value.matchAll(/(?:^|,)\s*([A-Za-z][\w.-]*)(?=\s|$|,)([^,]*(?:,\s*[\w-]+=("[^"]*"|[^,\s]*))*)/g)) {
      const realm = /realm=(?:"([^"]*)"|([^,\s]*))/i.exec(m[2] ?? '');
      out.push({ scheme: m[1]!, realm: realm ? (realm[1] ?? realm[2]) : undefined });
    }
  }
  return out;
}

/** Who the proxy says it is: Server, Via, squid's X-Squid-Error. */
function named(a: ProxyAnswer): string[] {
  const out: string[] = [];
  for (const name of ['server', 'via', 'x-squid-error']) for (const v of header(a, name)) out.push(`${name === 'x-squid-error' ? 'X-Squid-Error' : name[0]!.toUpperCase() + name.slice(1)}: ${v}`);
  return out;
}

const isSquid = (a: ProxyAnswer) => /squid/i.test([...header(a, 'server'), ...header(a, 'via'), ...header(a, 'x-squid-error')].join(' '));

/** squid's error pages say "The system returned: (111) Connection refused". */
function systemReturned(body: string): string | undefined {
  const m = /The system returned:\s*(?:<[^>]+>\s*)*([^<\n]+)/i.exec(body);
  return m ? m[1]!.trim() : undefined;
}

export function proxyAnswerVerdict(a: ProxyAnswer): Verdict {
  const p = `proxy ${a.proxy.display}`;
  const ev = [`${p} (from ${a.proxy.source}) answered CONNECT ${a.target} with ${a.status} ${a.statusText}`.trim(), ...named(a)];
  if (a.garbled !== undefined) {
    return verdict('proxy-refused', `${p} does not speak HTTP: its answer to CONNECT was ${JSON.stringify(a.garbled)}`, [],
      'check the proxy URL\'s scheme and port: a SOCKS proxy needs socks5:// or socks5h://, an HTTPS proxy https://');
  }
  if (a.status === 407) {
    const challenges = parseChallenges(header(a, 'proxy-authenticate'));
    const shown = challenges.map((c) => `${c.scheme}${c.realm !== undefined ? ` realm "${c.realm}"` : ''}`);
    const basic = challenges.some((c) => c.scheme.toLowerCase() === 'basic');
    ev.push(shown.length ? `Proxy-Authenticate: ${shown.join(', ')}` : 'no Proxy-Authenticate header says which scheme it wants');
    const summary = a.sentCredentials
      ? `${p} rejected the credentials for user "${a.proxy.username}" (407${shown.length ? `, ${shown.join(', ')}` : ''})`
      : `${p} requires authentication (407${shown.length ? `, ${shown.join(', ')}` : ''})`;
    const next = !basic && challenges.length
      ? `the proxy wants ${challenges.map((c) => c.scheme).join('/')}; wstrace sends Basic only: run a local helper (cntlm, px) and point --proxy at it`
      : a.sentCredentials
        ? 'check the user name and password (percent-encode @ : / in them); ask the proxy\'s admins whether this user may CONNECT'
        : 'put the credentials in the proxy URL: --proxy http://USER:PASSWORD@HOST:PORT (or in HTTPS_PROXY/HTTP_PROXY)';
    return verdict('proxy-auth-required', summary, ev, next);
  }
  if (a.status === 403 || a.status === 405) {
    const port = Number(/:(\d+)$/.exec(a.target)?.[1]);
    let next = 'the proxy\'s rules forbid this tunnel: ask its admins to allow CONNECT to this host and port';
    if (isSquid(a)) {
      next = port === 443
        ? 'squid\'s http_access rules deny this client or destination: check the acl/http_access lines in squid.conf'
        : `squid allows CONNECT only to SSL_ports by default (http_access deny CONNECT !SSL_ports; port ${port} is not in it): add "acl SSL_ports port ${port}" (and to Safe_ports) or reach the service on 443`;
      ev.push(`squid's default squid.conf denies CONNECT to ports outside SSL_ports (443) and requests to ports outside Safe_ports`);
    }
    const body = bodyLine(a.body);
    if (body && !isSquid(a)) ev.push(body);
    return verdict('proxy-refused', `${p} refused to open a tunnel to ${a.target} (${a.status} ${a.statusText})`.replace(' )', ')'), ev, next);
  }
  const reason = systemReturned(a.body);
  if (reason) ev.push(`the proxy says: ${reason}`);
  if (a.status === 504 || /timed out/i.test(reason ?? '')) {
    return verdict('connect-timeout', `${p} got no answer from ${a.target} (${a.status})`, ev,
      'the target does not answer the proxy: check the host and port, and the network between the proxy and it');
  }
  if ((a.status === 502 || a.status === 503) && /refused/i.test(reason ?? '')) {
    return verdict('connect-refused', `${p} could not connect to ${a.target}: the target refused (${a.status})`, ev,
      'nothing listens there as the proxy sees it: check the port and that the server is running');
  }
  if (a.status === 502 || a.status === 503) {
    return verdict('connect-failed', `${p} could not reach ${a.target} (${a.status} ${a.statusText})`.replace(' )', ')'), [...ev, bodyLine(a.body)].filter(Boolean),
      'check the host name and port as the proxy resolves them; the proxy\'s log says why');
  }
  return verdict('http-error', `${p} answered CONNECT ${a.target} with ${a.status} ${a.statusText}`.trim(), [...ev, bodyLine(a.body)].filter(Boolean),
    'see the proxy\'s answer above and its logs');
}

/** SOCKS5 reply codes (RFC 1928 §6). */
const SOCKS_REPLY: Record<number, string> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by ruleset',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

/** `code` -1: the answer was not SOCKS5 at all (`detail` says what it was). */
export function socksReplyVerdict(proxy: ProxySpec, target: string, code: number, detail?: string): Verdict {
  const p = `SOCKS proxy ${proxy.display}`;
  if (code === -1) {
    return verdict('proxy-refused', `${proxy.display} does not speak SOCKS5`, [detail ?? 'not a SOCKS5 answer', `the proxy came from ${proxy.source}`],
      'check the proxy URL\'s scheme and port: an HTTP proxy needs http:// (or https://)');
  }
  const what = SOCKS_REPLY[code] ?? `unknown reply code ${code}`;
  const ev = [`${p} (from ${proxy.source}) answered CONNECT ${target} with reply ${code}: ${what}`];
  switch (code) {
    case 2:
      return verdict('proxy-refused', `${p} refused the connection to ${target}: ${what}`, ev,
        'the proxy\'s rules forbid this destination (dante: the socks pass/block rules in danted.conf): ask its admins to allow it');
    case 5:
      return verdict('connect-refused', `${p} could not connect to ${target}: the target refused`, ev,
        'nothing listens there as the proxy sees it: check the port and that the server is running');
    case 6:
      return verdict('connect-timeout', `${p} got no answer from ${target}`, ev);
    case 3:
    case 4:
      return verdict('connect-failed', `${p} cannot reach ${target}: ${what}`, ev,
        proxy.scheme === 'socks5' ? 'the address was resolved on this machine: try socks5h:// so the proxy resolves the name' : 'check the host name as the proxy resolves it, and its routes');
    case 8:
      return verdict('proxy-refused', `${p} does not accept this kind of address: ${what}`, ev,
        proxy.scheme === 'socks5h' ? 'the proxy does not resolve names: use socks5:// so wstrace resolves them' : 'try socks5h:// (send the name instead of the address)');
    default:
      return verdict('proxy-refused', `${p} failed the connection to ${target}: ${what}`, ev, 'see the proxy\'s log');
  }
}

/** A SOCKS5 proxy wanted another authentication method, or rejected ours (RFC 1928 §3, RFC 1929). */
export function socksAuthVerdict(proxy: ProxySpec, rejected: boolean): Verdict {
  const p = `SOCKS proxy ${proxy.display}`;
  if (rejected) {
    return verdict('proxy-auth-required', `${p} rejected the credentials for user "${proxy.username}"`, [`username/password subnegotiation (RFC 1929) answered failure`],
      'check the user name and password in the proxy URL (percent-encode @ : / in them)');
  }
  return verdict('proxy-auth-required', `${p} accepts none of the offered authentication methods`,
    [`offered: ${proxy.username !== undefined ? 'no authentication, username/password' : 'no authentication'}; the proxy answered 0xFF (no acceptable method)`],
    proxy.username !== undefined ? 'the proxy wants a method wstrace does not speak (GSSAPI?)' : 'put credentials in the proxy URL: --proxy socks5://USER:PASSWORD@HOST:PORT');
}

/** The proxy itself could not be reached, or did not answer in time. */
export function proxyUnreachableVerdict(proxy: ProxySpec, phase: 'resolve' | 'connect' | 'proxy', err: unknown, timeoutMs: number): Verdict {
  const p = `${proxy.scheme === 'socks5' || proxy.scheme === 'socks5h' ? 'SOCKS proxy' : 'proxy'} ${proxy.display}`;
  const errno = errnoOf(err);
  const ev = [`${errno && errno !== 'ETIMEDOUT_DEADLINE' && !messageOf(err).includes(errno) ? `${errno}: ` : ''}${messageOf(err)}`, `the proxy came from ${proxy.source}`];
  const check = proxy.source === '--proxy' ? 'check --proxy' : `check ${proxy.source} (or bypass it: --noproxy HOST, --proxy "")`;
  if (phase === 'resolve') return verdict('proxy-unreachable', `cannot resolve the ${p}`, ev, `${check}: the proxy's host name does not resolve`);
  if (errno === 'ETIMEDOUT_DEADLINE' || errno === 'ETIMEDOUT') {
    return phase === 'connect'
      ? verdict('proxy-timeout', `no TCP answer from the ${p} within ${timeoutMs} ms`, ev, `${check}: packets to the proxy are dropped (firewall, wrong address)`)
      : verdict('proxy-timeout', `the ${p} accepted the connection but did not answer within ${timeoutMs} ms`, ev,
        'the proxy is overloaded or waits for the target: check its logs; is this port really the proxy (and the scheme right)?');
  }
  if (errno === 'ECONNREFUSED') return verdict('proxy-unreachable', `the ${p} refused the connection: nothing listens there`, ev, `${check}: is the proxy running on that port?`);
  if (phase === 'proxy') {
    return verdict('proxy-refused', `the ${p} closed the connection without answering`, ev,
      proxy.scheme.startsWith('socks') ? 'is it really a SOCKS5 proxy? an HTTP proxy needs http://' : 'is it really an HTTP proxy? a SOCKS proxy needs socks5:// or socks5h://; an HTTPS proxy https://');
  }
  return verdict('proxy-unreachable', `cannot connect to the ${p}`, ev, check);
}

function bodyLine(body: string): string {
  const text = body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  if (!text) return '';
  return `body: ${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
}
