import { InputError } from '../errors.js';
import { parseHeader } from '../net/header.js';
import { parseWsUrl } from '../net/url.js';
import type { HopSpec } from './types.js';
import { authority } from '../reach/http-connect.js';

export interface HopInput {
  urls: string[];
  names?: string[];
  /** `--header "K: V"` (already parsed): sent to every hop. */
  headers?: Record<string, string>;
  /** `--hop-header INDEX:"K: V"`, INDEX 1-based (hop 1 is the outermost URL), like `chain --fault`. */
  hopHeaders?: string[];
  /** `--at HOST:PORT`…: one URL probed at each address, outermost first. */
  at?: string[];
}

/**
 * Validates bisect's inputs at the edge and builds one spec per URL. Hops reached directly
 * often need what the outer hops would have set for them, typically the public `Host`
 * (a virtual host behind a load balancer), hence per-hop headers.
 */
export function buildHops(input: HopInput): HopSpec[] {
  const { urls } = input;
  if (urls.length === 0) throw new InputError('ERR_NO_URLS', 'bisect needs at least one URL, ordered from the client side (outermost) to the origin');
  const names = input.names ?? [];
  for (const n of names) if (!n.trim()) throw new InputError('ERR_BAD_NAME', 'bad --name "": a hop name cannot be empty');
  const at = (input.at ?? []).map(parseAt);
  if (at.length && urls.length !== 1) {
    throw new InputError('ERR_BAD_AT', `--at walks ONE URL through inner addresses; got ${urls.length} URLs (drop --at to probe several URLs)`);
  }
  const targets = at.length ? at.map(() => parseWsUrl(urls[0]!, 'URL')) : urls.map((u, i) => parseWsUrl(u, `URL #${i + 1}`));
  if (names.length > targets.length) {
    const what = at.length ? `${targets.length} --at address(es)` : `${targets.length} URL(s)`;
    throw new InputError('ERR_BAD_NAME', `${names.length} --name values for ${what}: give at most one name per ${at.length ? 'address' : 'URL'}, in order`);
  }
  const shared = Object.entries(input.headers ?? {}).map(([name, value]) => ({ name, value }));
  const perHop = (input.hopHeaders ?? []).map((spec) => parseHopHeader(spec, targets.length));
  return targets.map((target, index) => {
    const headers: Record<string, string> = {};
    const set = (name: string, value: string, join: boolean) => {
      const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
      if (key !== undefined && join) headers[key] = `${headers[key]}, ${value}`;
      else {
        if (key !== undefined) delete headers[key];
        headers[name] = value;
      }
    };
    for (const h of shared) set(h.name, h.value, true);
    // A hop's own header replaces the shared one of the same name (a different Host per hop).
    const own = perHop.filter((p) => p.index === index);
    const seen = new Set<string>();
    for (const p of own) {
      const lower = p.name.toLowerCase();
      set(p.name, p.value, seen.has(lower));
      seen.add(lower);
    }
    const where = at[index];
    return { index, name: names[index] ?? (where ? authority(where.host, where.port) : target.url.host), target, headers, ...(where ? { at: where } : {}) };
  });
}

function parseAt(spec: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(spec.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new InputError('ERR_BAD_AT', `bad --at "${spec}": expected HOST:PORT ([IPv6]:PORT)`);
  return { host: m[1] ?? m[2]!, port };
}

function parseHopHeader(spec: string, count: number): { index: number; name: string; value: string } {
  const m = /^\s*(\d+)\s*:(.*)$/s.exec(spec);
  if (!m) throw new InputError('ERR_BAD_HEADER', `bad --hop-header "${spec}": expected INDEX:"Name: value" (INDEX 1-based, 1 = the first URL)`);
  const n = Number(m[1]);
  if (n < 1 || n > count) {
    throw new InputError('ERR_BAD_HEADER', `bad --hop-header "${spec}": index ${n} is out of range (1-${count} for ${count} URL(s))`);
  }
  const { name, value } = parseHeader(m[2]!.trim(), '--hop-header');
  return { index: n - 1, name, value };
}
