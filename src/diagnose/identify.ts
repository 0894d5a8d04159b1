/**
 * Which software answered, or relayed, a response: read from its headers, its Via entries and
 * the error pages it writes (the table in software.ts), and the fix *that* software needs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseVia, type ViaEntry } from '../protocol/via.js';
import { GENERIC_FIX, SHARED_FIX, SOFTWARE, type Page, type Problem, type Software } from './software.js';

export interface Sighting {
  software: Software;
  /** The fact that names it: `Server: nginx/1.22.1`, `Via: 1.1 vm (squid/5.7)`, `its 503 page`. */
  how: string;
  /** Set when the software wrote the answer itself (an error page or error header of its own). */
  page?: Page;
}

export interface Seen {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Via entries the far end reported receiving (our endpoint's 426 body), outermost first. */
  requestVia?: ViaEntry[];
}

/** What the next step may assume about the user's own request. */
export interface AskContext {
  /** The URL was wss:// already: never suggest wss:// again. */
  secure?: boolean;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
};

function pageMatches(page: Page, s: Seen, knownByHeader: boolean): boolean {
  if (page.status && !page.status.includes(s.status)) return false;
  if (page.body && !page.body.test(s.body.trim())) return false;
  if (page.header) {
    const v = header(s.headers, page.header[0]);
    if (v === undefined || !page.header[1].test(v)) return false;
  }
  // A page known only by its status (Cloudflare's 52x) counts once a header named the software.
  return Boolean(page.body || page.header) || knownByHeader;
}

/**
 * Every software the answer shows, most telling first: the one whose own error page this is,
 * then Via entries (innermost first: the response collects them on its way out), the Server
 * header and the other signature headers, then the Via entries the request collected.
 */
export function identify(s: Seen): Sighting[] {
  const found: Sighting[] = [];
  const add = (x: Sighting) => {
    if (!found.some((f) => f.software.id === x.software.id)) found.push(x);
  };
  const byHeader = new Map<string, string>();
  for (const sw of SOFTWARE) {
    for (const [name, pattern] of sw.headers) {
      const v = header(s.headers, name);
      if (v !== undefined && pattern.test(v)) {
        byHeader.set(sw.id, `${name === 'server' ? 'Server' : name}: ${v}`);
        break;
      }
    }
  }
  for (const sw of SOFTWARE) {
    const page = sw.pages.find((p) => pageMatches(p, s, byHeader.has(sw.id)));
    if (page) add({ software: sw, how: page.body || !page.header ? `its own ${s.status} page` : `${page.header[0]}: ${header(s.headers, page.header[0])}`, page });
  }
  const viaMatch = (e: ViaEntry) => SOFTWARE.find((sw) => sw.via && !e.wstrace && (sw.via.test(e.comment ?? '') || sw.via.test(e.receivedBy)));
  for (const e of parseVia(header(s.headers, 'via'))) {
    const sw = viaMatch(e);
    if (sw) add({ software: sw, how: `Via: ${e.protocol} ${e.receivedBy}${e.comment ? ` (${e.comment})` : ''}` });
  }
  for (const sw of SOFTWARE) {
    const how = byHeader.get(sw.id);
    if (how) add({ software: sw, how });
  }
  for (const e of s.requestVia ?? []) {
    const sw = viaMatch(e);
    if (sw) add({ software: sw, how: `request Via: ${e.protocol} ${e.receivedBy}${e.comment ? ` (${e.comment})` : ''}` });
  }
  return found;
}

/** `nginx (Server: nginx/1.22.1)`, for evidence lines. */
export function describeSightings(found: Sighting[]): string {
  return found.map((f) => `${f.software.name} (${f.how})`).join(', ');
}

/** The fix for `problem` in the first software seen, or the generic one, saying which it is. */
export function adviceFor(found: Sighting[], problem: Problem): string {
  const first = found[0];
  if (!first) return `${GENERIC_FIX[problem]} (software not recognised: no Server, Via or signature header names it)`;
  return `${first.software.name}: ${first.software.fix[problem]}`;
}

/** The fix a page names: a problem's fix for its software, a shared fix, or its own words. */
export function pageFix(sw: Software, page: Page, ctx: AskContext): string {
  const fix = page.fix;
  if (fix === 'upgrade' || fix === 'upstream' || fix === 'idle') return `${sw.name}: ${sw.fix[fix]}`;
  const shared = SHARED_FIX[fix];
  if (shared) return shared(ctx);
  return `${sw.name}: ${fix}`;
}
