import type { IncomingHttpHeaders } from 'node:http';
import { ENDPOINT_HEADER, HOP_HEADER } from '../constants.js';
import { describeVia, findStrippingGap, parseVia, type ViaEntry } from '../protocol/via.js';
import { verdict, type Verdict } from './catalogue.js';
import { adviceFor, describeSightings, identify, pageFix, type AskContext, type Sighting } from './identify.js';
import { isRecord } from '../guards.js';

export interface NonUpgradeResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The Origin we sent, if any. */
  origin?: string | undefined;
  /** The URL asked for was wss:// (a next step must not suggest it again). */
  secure?: boolean | undefined;
}

/** The body our endpoint sends with its 426 (see src/endpoint/explain.ts). */
export interface UpgradeRequiredBody {
  error: 'upgrade-required';
  endpoint: string;
  missing: { header: string; expected: string; received: string | null }[];
  via: ViaEntry[];
}

/** The body our endpoint sends with its 400 to a downgraded upgrade (src/endpoint/downgrade.ts). */
interface DowngradeBody {
  error: 'version-downgrade';
  endpoint: string;
  receivedBy: string;
  after: string | null;
  httpVersion: string;
  via: ViaEntry[];
}

/** The body a wstrace hop sends when it answers an upgrade itself (src/proxy/answer.ts). */
interface HopBody {
  hop: string;
  message: string;
  upstream?: string;
  /** How its upstream failed: connect-refused, connect-timeout, dns-failure, connect-failed, no-response, bad-response, handshake-timeout. */
  failure?: string;
  errno?: string | null;
}

/**
 * What applications answer when an upgrade reached them as a plain GET: the body names the
 * missing header, which is evidence that a hop in front stripped it.
 */
const PLAIN_GET_PAGES: [RegExp, string][] = [
  [/'upgrade' token not found in 'Connection' header|'websocket' token not found in 'Upgrade' header/i, 'gorilla/websocket'],
  [/missing (Connection|Upgrade) header|invalid (Connection|Upgrade) header/i, 'Python websockets'],
  [/Missing or invalid Upgrade header|Upgrade Required/i, 'a WebSocket server'],
  [/Can "Upgrade" only to "WebSocket"/i, 'Tomcat / Spring'],
];

/** Headers that name who answered: the first place to look on an unexpected status. */
export function whoAnswered(headers: IncomingHttpHeaders): string {
  const parts: string[] = [];
  const endpoint = headers[ENDPOINT_HEADER.toLowerCase()];
  const hop = headers[HOP_HEADER.toLowerCase()];
  if (endpoint) parts.push(`wstrace endpoint "${String(endpoint)}"`);
  if (hop) parts.push(`wstrace hop "${String(hop)}"`);
  if (headers.server) parts.push(`Server: ${headers.server}`);
  if (headers.via) parts.push(`Via: ${String(headers.via)}`);
  if (headers['cf-ray']) parts.push(`cf-ray: ${String(headers['cf-ray'])}`);
  if (headers['x-amzn-requestid'] || headers['x-amzn-trace-id']) parts.push('AWS load balancer headers');
  return parts.length ? parts.join('; ') : 'no identifying headers (Server, Via)';
}

function parseJson<T>(body: string, is: (v: unknown) => v is T): T | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return is(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Our endpoint's bodies (src/endpoint/explain.ts, downgrade.ts) and a wstrace hop's (src/proxy/answer.ts), recognised by their fields. */
const isUpgradeRequiredBody = (b: unknown): b is UpgradeRequiredBody => isRecord(b) && b.error === 'upgrade-required' && Array.isArray(b.missing);
const isDowngradeBody = (b: unknown): b is DowngradeBody => isRecord(b) && b.error === 'version-downgrade' && typeof b.receivedBy === 'string' && Array.isArray(b.via);
const isHopBody = (b: unknown): b is HopBody => isRecord(b) && typeof b.hop === 'string';

/**
 * Maps a non-101 answer to an upgrade request onto the catalogue. Each rule claims only what the
 * answer shows: who wrote it (our endpoint, a wstrace hop, a recognised proxy's own error page,
 * or the app), and what that party says happened.
 */
export function diagnoseResponse(r: NonUpgradeResponse): Verdict {
  const ctx: AskContext = { secure: r.secure };
  const hopName = r.headers[HOP_HEADER.toLowerCase()];
  const explainer = r.status === 426 && r.headers[ENDPOINT_HEADER.toLowerCase()]
    ? parseJson(r.body, isUpgradeRequiredBody)
    : undefined;
  const seen = identify({ status: r.status, headers: r.headers, body: r.body, requestVia: explainer?.via });
  if (explainer) return strippedAtEndpoint(explainer, r, seen);
  const downgrade = r.status === 400 && r.headers[ENDPOINT_HEADER.toLowerCase()]
    ? parseJson(r.body, isDowngradeBody)
    : undefined;
  if (downgrade) return downgradedOnTheWay(downgrade, seen);
  if (hopName) {
    const body = parseJson(r.body, isHopBody);
    const own = fromWstraceHop(String(hopName), r, body);
    if (own) return own;
  }
  return strippedOnTheWay(r, seen) ?? fromPage(r, seen, ctx) ?? byStatus(r, seen, ctx);
}

/** Our endpoint got a plain GET: its 426 body lists what was missing and the Via chain. */
function strippedAtEndpoint(explainer: UpgradeRequiredBody, r: NonUpgradeResponse, seen: Sighting[]): Verdict {
  const missing = explainer.missing.map((m) => `${m.header} (got ${m.received === null ? 'nothing' : JSON.stringify(m.received)})`);
  const evidence = [`endpoint "${explainer.endpoint}" received a plain request: missing/wrong ${missing.join(', ')}`];
  evidence.push(`Via as received: ${describeVia(explainer.via)}`);
  const gap = findStrippingGap(explainer.via);
  let summary = `the upgrade reached endpoint "${explainer.endpoint}" as a plain GET (426)`;
  if (gap) {
    const where = gap.before ? `between "${gap.before}" and "${gap.after}"` : `before "${gap.after}"`;
    evidence.push(`stripped ${where}: ${gap.before ? `"${gap.before}" still saw upgrade=present, ` : ''}"${gap.after}" saw upgrade=absent`);
    summary += `; headers were stripped ${where}`;
  } else {
    const lastWstrace = [...explainer.via].reverse().find((e) => e.wstrace);
    if (lastWstrace) evidence.push(`stripped after "${lastWstrace.receivedBy}" (the last hop that saw upgrade=present)`);
  }
  return verdict('upgrade-headers-stripped', summary, [...evidence, software(seen)].filter(Boolean), adviceFor(seen, 'upgrade'));
}

/** Our endpoint refused an upgrade that some hop received as HTTP/1.0 (RFC 6455 §4.1). */
function downgradedOnTheWay(d: DowngradeBody, seen: Sighting[]): Verdict {
  const version = d.httpVersion.replace(/^HTTP\//i, '');
  const where = d.after ? `between "${d.after}" and "${d.receivedBy}"` : `before "${d.receivedBy}"`;
  return verdict('version-downgrade', `the upgrade was forwarded as HTTP/${version} ${where}; endpoint "${d.endpoint}" refused it (400)`, [
    `"${d.receivedBy}" received HTTP/${version} (Via: ${describeVia(d.via)})`,
    'RFC 6455 §4.1: the opening handshake must be HTTP/1.1 or later; a hop after it may re-send HTTP/1.1 and hide the downgrade',
    software(seen),
  ].filter(Boolean), seen.length ? adviceFor(seen, 'upgrade') : undefined);
}

/** A wstrace hop answered itself: its body says whether it could not connect or got a bad answer. */
function fromWstraceHop(hop: string, r: NonUpgradeResponse, body: HopBody | undefined): Verdict | undefined {
  const ev = [whoAnswered(r.headers), bodyLine(r.body)].filter(Boolean);
  const upstream = body?.upstream ? ` ${body.upstream}` : '';
  if (r.status === 508) return verdict('loop-detected', `hop "${hop}" saw its own name in Via (508 Loop Detected)`, ev);
  if (r.status === 504) {
    return verdict('handshake-timeout', `hop "${hop}" connected to its upstream${upstream} but got no answer to the upgrade (504)`, ev,
      `the upstream of "${hop}" accepts connections but never answers the upgrade: look at that server (or hop) and its logs`);
  }
  if (r.status !== 502) return undefined;
  const errno = body?.errno ? ` (${body.errno})` : '';
  if (body?.errno === 'EMFILE' || body?.errno === 'ENFILE') {
    // Not the upstream's fault: the hop itself could not open one more socket.
    return verdict('http-error', `hop "${hop}" ran out of file descriptors and could not dial its upstream${upstream}${errno}`, ev,
      `raise the open-files limit of "${hop}" (ulimit -n) or find what holds its sockets (ls /proc/<pid>/fd)`);
  }
  switch (body?.failure) {
    case 'connect-refused':
      return verdict('http-error', `hop "${hop}" could not connect to its upstream${upstream}: connection refused${errno}`, ev,
        `nothing listens at${upstream || ' the upstream'}: start the server there, or fix the --target of "${hop}"`);
    case 'connect-timeout':
      return verdict('http-error', `hop "${hop}" could not connect to its upstream${upstream}: no answer to its SYN${errno}`, ev,
        `packets from "${hop}" to${upstream || ' its upstream'} are dropped: check that host and the firewalls between them`);
    case 'dns-failure':
      return verdict('http-error', `hop "${hop}" could not resolve its upstream${upstream}${errno}`, ev, `fix the host name in the --target of "${hop}"`);
    case 'connect-failed':
      return verdict('http-error', `hop "${hop}" could not connect to its upstream${upstream}${errno}`, ev, `check the route from "${hop}" to${upstream || ' its upstream'}`);
    case 'bad-response':
      return verdict('http-error', `hop "${hop}" connected to its upstream${upstream} and got an answer that is not HTTP/1.1${errno}`, ev,
        `${upstream.trim() || 'the upstream'} does not speak HTTP/1.1 there: is it a TLS port (use a wss:// --target) or another protocol?`);
    case 'no-response':
      return verdict('http-error', `hop "${hop}" connected to its upstream${upstream}, which closed without answering${errno}`, ev,
        `look at${upstream || ' the upstream'}'s logs; a TLS port closes on plain HTTP like this (then use a wss:// --target for "${hop}")`);
    default:
      return verdict('http-error', `hop "${hop}" answered 502: its upstream failed`, ev, `look at the logs of "${hop}" and of its upstream`);
  }
}

/**
 * A wstrace hop relaying a non-101 answer says in its response Via whether the request it got
 * still carried the upgrade: an `absent` there means a hop in front of it stripped it, whatever
 * the app behind answered (404 FastAPI, 400 gorilla, 200 a page).
 */
function strippedOnTheWay(r: NonUpgradeResponse, seen: Sighting[]): Verdict | undefined {
  const outermostFirst = parseVia(r.headers.via).reverse();
  const gap = findStrippingGap(outermostFirst);
  const app = PLAIN_GET_PAGES.find(([re]) => re.test(r.body));
  if (!gap && !(app && (r.status === 400 || r.status === 426))) return undefined;
  const evidence = [whoAnswered(r.headers), bodyLine(r.body)].filter(Boolean);
  let summary = `the upgrade was answered ${r.status} ${r.statusText}`.trim();
  if (gap) {
    const where = gap.before ? `between "${gap.before}" and "${gap.after}"` : `before "${gap.after}"`;
    evidence.push(`response Via: ${describeVia(outermostFirst)}: "${gap.after}" received the request without Upgrade/Connection`);
    summary += `; the upgrade headers were stripped ${where}`;
  } else {
    evidence.push(`the body is what ${app![1]} says to a plain GET: the upgrade headers did not reach it`);
    summary += `: the server saw a plain GET, so a hop in front of it stripped Upgrade/Connection`;
  }
  return verdict('upgrade-headers-stripped', summary, [...evidence, software(seen)].filter(Boolean), adviceFor(seen, 'upgrade'));
}

/** A recognised proxy's own error page (or error header): it names what happened. */
function fromPage(r: NonUpgradeResponse, seen: Sighting[], ctx: AskContext): Verdict | undefined {
  const own = seen.find((s) => s.page);
  if (!own?.page) return undefined;
  const evidence = [`${own.software.name} wrote this answer (${own.how})`, whoAnswered(r.headers), bodyLine(r.body)].filter(Boolean);
  return verdict(own.page.code ?? 'http-error', `${r.status} ${r.statusText}`.trim() + ` from ${own.software.name}: ${own.page.means}`, evidence, pageFix(own.software, own.page, ctx));
}

/** One explanation per status, when nobody's error page said more. */
function byStatus(r: NonUpgradeResponse, seen: Sighting[], ctx: AskContext): Verdict {
  const line = `${r.status} ${r.statusText}`.trim();
  const evidence = [whoAnswered(r.headers)];
  const body = bodyLine(r.body);
  const sw = seen.length ? `; software: ${describeSightings(seen)}` : '';
  const v = (summary: string, next: string, code: Verdict['code'] = 'http-error') =>
    verdict(code, summary, [...evidence.map((e, i) => (i === 0 ? e + sw : e)), ...(body ? [body] : [])], next);
  const s = r.status;
  if (s === 426) {
    return v('the server answered 426 Upgrade Required: it did not see a WebSocket upgrade, so a hop in front of it stripped Upgrade/Connection',
      adviceFor(seen, 'upgrade'), 'upgrade-headers-stripped');
  }
  if (s >= 200 && s < 300) {
    const type = r.headers['content-type'] ? ` (${String(r.headers['content-type'])})` : '';
    return v(`${line}${type} to an upgrade: the server at this path does not speak WebSocket; a plain HTTP handler answered`,
      'check the path and the routing to the WebSocket server: this URL reaches a page or API; if the path is right, a hop may strip Upgrade and the app serves its page to the plain GET');
  }
  if (s >= 300 && s < 400) {
    const location = r.headers.location;
    if (!location) return v(`${line} without a Location header`, 'the redirect names no target: fix the server\'s redirect rule');
    evidence.push(`Location: ${location}`);
    return v(`${line} to ${location}: WebSocket clients do not follow redirects`, `${redirectAdvice(location, ctx)}; or let wstrace follow it: --location`);
  }
  if (s === 401 || s === 407) {
    const challenge = r.headers[s === 401 ? 'www-authenticate' : 'proxy-authenticate'];
    if (challenge) evidence.push(`${s === 401 ? 'WWW' : 'Proxy'}-Authenticate: ${String(challenge)}`);
    return v(`${line}: ${s === 401 ? 'the server (or an auth layer in front of it) wants credentials' : 'a forward proxy wants credentials'}`,
      `send the credentials it asks for with --header (e.g. "${s === 401 ? 'Authorization' : 'Proxy-Authorization'}: Bearer …")${challenge ? `; the challenge names the scheme: ${String(challenge).split(/\s/)[0]}` : ''}`);
  }
  if (s === 403 && r.origin) {
    // Confirmed or withdrawn by the client, which retries once without Origin.
    return v(`403 Forbidden to an upgrade with Origin ${r.origin}`,
      'retry without --origin or with the server\'s own origin; if that works, allow this origin on the server or stop rewriting Host', 'origin-rejected');
  }
  if (s === 403) {
    return v(`${line} (no Origin was sent): refused by an access rule (auth, IP allow-list, WAF) or an Origin check`,
      'check the access rules and logs of the hop that answered; if browsers connect, retry with --origin set to the site\'s own origin (servers often require one)');
  }
  if (s === 404) {
    return v(`${line}: nothing is routed at this path for a WebSocket (wrong path or routing, or an app that saw a plain GET)`,
      `check the URL path against the server's WebSocket route${seen.length ? ` and ${seen[0]!.software.name}'s routing` : ''}; frameworks answer 404 to a plain GET on a WebSocket route, so if the path is right a hop strips the upgrade: ${adviceFor(seen, 'upgrade')}`);
  }
  if (s === 400) {
    return v(`${line}: the server refused the upgrade request as malformed (or it received it without Upgrade)`,
      `the body names the reason; servers such as gorilla answer 400 to an upgrade whose headers a hop stripped: ${adviceFor(seen, 'upgrade')}`);
  }
  if (s === 429) {
    const retry = r.headers['retry-after'];
    if (retry) evidence.push(`Retry-After: ${String(retry)}`);
    return v(`${line}: a rate limit refused this connection`, `open connections more slowly${retry ? ` (retry after ${String(retry)} s)` : ''}, or raise the limit on the hop that answered`);
  }
  // A gateway error is written by the hop that failed, which names itself in Server (a Via
  // entry is written by hops that relayed it): that one's upstream advice applies.
  const answerer = seen.filter((x) => x.how.startsWith('Server:'));
  const by = answerer.length ? ` from ${answerer[0]!.software.name}` : '';
  const gateway = [...answerer, ...seen.filter((x) => !answerer.includes(x))];
  if (s === 503) {
    const retry = r.headers['retry-after'];
    if (retry) evidence.push(`Retry-After: ${String(retry)}`);
    return v(`${line}${by}: the server that answered is overloaded, in maintenance, or has no healthy backend`, adviceFor(gateway, 'upstream'));
  }
  if (s === 502 || s === 504) {
    return v(`${line}${by}: the hop that answered ${s === 502 ? 'got no valid answer from' : 'timed out waiting for'} its upstream`, adviceFor(gateway, 'upstream'));
  }
  if (s >= 500) return v(`${line}: the server failed while handling the upgrade`, 'its error log says why (the status comes from the server itself, not from the path)');
  return v(`the upgrade was answered ${line} instead of 101`, 'look at the logs of the hop that answered (Server/Via above)');
}

/** Whether following the redirect would help, and how to connect to its target directly. */
function redirectAdvice(location: string, ctx: AskContext): string {
  let to: URL;
  try {
    to = new URL(location, 'ws://placeholder');
  } catch {
    return `the Location is not a URL: fix the server's redirect rule`;
  }
  if (to.host === 'placeholder') return `connect to the path ${to.pathname}${to.search} on the same host directly`;
  const ws = to.protocol === 'https:' || to.protocol === 'wss:' ? 'wss:' : 'ws:';
  const direct = `${ws}//${to.host}${to.pathname}${to.search}`;
  if (ws === 'wss:' && !ctx.secure) return `the server redirects to TLS: connect to ${direct}`;
  return `connect to ${direct} directly (browsers will not follow this redirect either)`;
}

/** The software evidence line; empty when none is recognised (`next` then says so). */
function software(seen: Sighting[]): string {
  return seen.length ? `software in the path: ${describeSightings(seen)}` : '';
}

function bodyLine(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (!oneLine) return '';
  return `body: ${oneLine.length > 200 ? oneLine.slice(0, 200) + '…' : oneLine}`;
}
