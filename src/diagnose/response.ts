import type { IncomingHttpHeaders } from 'node:http';
import { ENDPOINT_HEADER, HOP_HEADER } from '../constants.js';
import { describeVia, findStrippingGap, parseVia, type ViaEntry } from '../protocol/via.js';
import { verdict, type Verdict } from './catalogue.js';

export interface NonUpgradeResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The Origin we sent, if any. */
  origin?: string | undefined;
}

/** The body our endpoint sends with its 426 (see src/endpoint/explain.ts). */
export interface UpgradeRequiredBody {
  error: 'upgrade-required';
  endpoint: string;
  missing: { header: string; expected: string; received: string | null }[];
  via: ViaEntry[];
}

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

function parseExplainer(body: string): UpgradeRequiredBody | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<UpgradeRequiredBody>;
    return parsed && parsed.error === 'upgrade-required' && Array.isArray(parsed.missing) ? (parsed as UpgradeRequiredBody) : undefined;
  } catch {
    return undefined;
  }
}

/** Maps a non-101 answer to an upgrade request onto the catalogue. */
export function diagnoseResponse(r: NonUpgradeResponse): Verdict {
  const line = `${r.status} ${r.statusText}`.trim();
  const who = whoAnswered(r.headers);
  const hop = r.headers[HOP_HEADER.toLowerCase()];
  const explainer = r.status === 426 && r.headers[ENDPOINT_HEADER.toLowerCase()] ? parseExplainer(r.body) : undefined;

  if (explainer) {
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
    return verdict('upgrade-headers-stripped', summary, evidence);
  }
  if (r.status === 508 && hop) {
    return verdict('loop-detected', `hop "${String(hop)}" saw its own name in Via (508 Loop Detected)`, [who, bodyLine(r.body)]);
  }
  if (r.status === 504 && hop) {
    return verdict('handshake-timeout', `hop "${String(hop)}" gave up waiting for its upstream to answer the upgrade (504)`, [who, bodyLine(r.body)],
      `the hop behind "${String(hop)}" accepts connections but never answers: probe it directly or run \`wstrace bisect\``);
  }
  if (r.status === 502 && hop && /\b(EMFILE|ENFILE)\b/.test(r.body)) {
    // Not a dead upstream: the hop itself could not open one more socket.
    return verdict('http-error', `hop "${String(hop)}" ran out of file descriptors and could not dial its upstream (502)`, [who, bodyLine(r.body)],
      `raise the open-files limit of "${String(hop)}" (ulimit -n) or find what holds its sockets (ls /proc/<pid>/fd)`);
  }
  if (r.status === 502 && hop) {
    return verdict('http-error', `hop "${String(hop)}" could not reach its upstream (502)`, [who, bodyLine(r.body)],
      `check that the upstream of "${String(hop)}" is running and that its --target is right`);
  }
  if (r.status === 426) {
    return verdict('upgrade-headers-stripped', `the server answered 426 Upgrade Required: it did not see a WebSocket upgrade`, [who, bodyLine(r.body)]);
  }
  if (r.status === 403 && r.origin) {
    return verdict('origin-rejected', `403 Forbidden to an upgrade with Origin ${r.origin}`, [who, bodyLine(r.body)],
      'retry without --origin or with the server\'s own origin; if that works, allow this origin on the server or stop rewriting Host');
  }
  const evidence = [who];
  if (r.status >= 300 && r.status < 400 && r.headers.location) evidence.push(`Location: ${r.headers.location}`);
  const body = bodyLine(r.body);
  if (body) evidence.push(body);
  let next: string | undefined;
  if (r.status === 400 || r.status === 404) {
    next = `check the path; if it is right, a hop may be stripping Upgrade/Connection (the app saw a plain GET): run \`wstrace bisect\` over each hop`;
  } else if (r.status >= 300 && r.status < 400) {
    next = 'WebSocket clients do not follow redirects: connect to the Location URL directly';
  } else if (r.status === 401 || r.status === 407) {
    next = 'the hop wants credentials: pass them with --header (e.g. "Authorization: Bearer …")';
  }
  return verdict('http-error', `the upgrade was answered ${line} instead of 101`, evidence.filter(Boolean), next);
}

function bodyLine(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  if (!oneLine) return '';
  return `body: ${oneLine.length > 200 ? oneLine.slice(0, 200) + '…' : oneLine}`;
}
