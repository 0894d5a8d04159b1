import { readFileSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';
import { isVerdictCode, VERDICT_CODES } from '../diagnose/catalogue.js';
import { isToken } from '../net/header.js';
import { parseBytes } from '../net/size.js';
import { parseFaultSpec } from '../proxy/faults/index.js';
import { DEFAULT_NAME_PREFIX, MAX_HOPS, type ExpectedClient, type Topology } from './topology.js';

type Json = Record<string, unknown>;

/** Reads and validates a topology file (`fixtures/*.json`). Every problem is a one-line InputError. */
export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError('ERR_BAD_FILE', `cannot read topology "${file}": ${messageOf(e)}`);
  }
  return parseTopology(text, file);
}

/**
 * Strict: unknown fields are errors (a typo such as "fualts" must not silently run a healthy
 * chain), as are zero hops, bad fault specs and an expected faulty hop that does not exist.
 */
export function parseTopology(text: string, source = 'topology'): Topology {
  const bad = (msg: string) => new InputError('ERR_BAD_TOPOLOGY', `bad topology "${source}": ${msg}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${messageOf(e).split('\n')[0]})`);
  }
  const top = object(raw, 'the top level', bad);
  only(top, ['description', 'endpoint', 'hops', 'expect'], 'the top level', bad);
  const t: Topology = { hops: [] };
  if (top.description !== undefined) t.description = str(top.description, 'description', bad);

  if (top.endpoint !== undefined) {
    const ep = object(top.endpoint, 'endpoint', bad);
    only(ep, ['name', 'subprotocols', 'maxPayload'], 'endpoint', bad);
    t.endpoint = {};
    if (ep.name !== undefined) t.endpoint.name = name(ep.name, 'endpoint.name', bad);
    if (ep.subprotocols !== undefined) t.endpoint.subprotocols = tokens(ep.subprotocols, 'endpoint.subprotocols', bad);
    if (ep.maxPayload !== undefined) t.endpoint.maxPayload = bytes(ep.maxPayload, 'endpoint.maxPayload', bad);
  }

  if (!Array.isArray(top.hops)) throw bad('"hops" must be a list of hops, outermost first');
  if (top.hops.length === 0) throw bad('"hops" is empty: a chain needs at least one hop');
  if (top.hops.length > MAX_HOPS) throw bad(`${top.hops.length} hops: at most ${MAX_HOPS}`);
  top.hops.forEach((h, i) => {
    const where = `hops[${i}] (hop ${i + 1})`;
    const hop = object(h, where, bad);
    only(hop, ['name', 'faults', 'upstreamHttp'], where, bad);
    const spec: Topology['hops'][number] = {};
    if (hop.name !== undefined) spec.name = name(hop.name, `${where}.name`, bad);
    if (hop.faults !== undefined) {
      if (!isStrings(hop.faults)) throw bad(`${where}.faults must be a list of fault specs`);
      for (const f of hop.faults) wrap(() => parseFaultSpec(f), (m) => bad(`${where}: ${m}`));
      spec.faults = hop.faults;
    }
    if (hop.upstreamHttp !== undefined) {
      if (hop.upstreamHttp !== '1.1' && hop.upstreamHttp !== '2' && hop.upstreamHttp !== 'same') throw bad(`${where}.upstreamHttp must be "1.1", "2" or "same"`);
      spec.upstreamHttp = hop.upstreamHttp;
    }
    t.hops.push(spec);
  });
  const names = t.hops.map((h, i) => h.name ?? `${DEFAULT_NAME_PREFIX}${i + 1}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw bad(`two hops are named "${dup}": Via would call that a loop`);

  if (top.expect !== undefined) {
    const ex = object(top.expect, 'expect', bad);
    only(ex, ['verdict', 'faultyHop', 'client'], 'expect', bad);
    const verdict = ex.verdict ?? null;
    if (verdict !== null && !isVerdictCode(verdict)) {
      throw bad(`expect.verdict ${JSON.stringify(verdict)} is not a catalogue code (${VERDICT_CODES.join(', ')})`);
    }
    const faultyHop = ex.faultyHop ?? null;
    if (faultyHop !== null && !(typeof faultyHop === 'number' && Number.isInteger(faultyHop) && faultyHop >= 1 && faultyHop <= t.hops.length)) {
      throw bad(`expect.faultyHop ${JSON.stringify(faultyHop)} is out of range: hops are numbered 1..${t.hops.length} from the outermost`);
    }
    if ((verdict === null) !== (faultyHop === null)) throw bad('expect.verdict and expect.faultyHop go together (both null for a healthy chain)');
    t.expect = { verdict, faultyHop };
    if (ex.client !== undefined) t.expect.client = client(ex.client, bad);
  }
  return t;
}

/** `--hops N` and `--fault INDEX:SPEC`… as a topology (used when no FILE is given, and to add faults to one). */
export function topologyFromFlags(hops: number, faults: string[], base?: Topology): Topology {
  if (!base && (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS)) {
    throw new InputError('ERR_BAD_HOPS', `bad --hops "${hops}": use a whole number from 1 to ${MAX_HOPS}`);
  }
  const t: Topology = base ? { ...base, hops: base.hops.map((h) => ({ ...h, faults: [...(h.faults ?? [])] })) } : { hops: Array.from({ length: hops }, () => ({ faults: [] })) };
  for (const text of faults) {
    const m = /^(\d+):(.+)$/.exec(text.trim());
    if (!m) throw new InputError('ERR_BAD_FAULT', `bad --fault "${text}": expected INDEX:SPEC, e.g. 1:strip-upgrade (hop 1 is the outermost)`);
    const index = Number(m[1]);
    if (index < 1 || index > t.hops.length) {
      throw new InputError('ERR_BAD_FAULT', `bad --fault "${text}": hop ${index} is out of range 1..${t.hops.length} (1 is the outermost)`);
    }
    try {
      parseFaultSpec(m[2]!);
    } catch (e) {
      throw e instanceof InputError ? new InputError(e.code, `bad --fault ${JSON.stringify(text)}: ${e.message}`) : e;
    }
    const hop = t.hops[index - 1]!;
    hop.faults = [...(hop.faults ?? []), m[2]!.trim()];
  }
  return t;
}

/** expect.client: the client options a fixture's expectation was measured with, each checked. */
function client(v: unknown, bad: (m: string) => Error): ExpectedClient {
  const c = object(v, 'expect.client', bad);
  only(c, ['subprotocols', 'origin', 'message', 'size', 'count', 'interval', 'timeout', 'deflate', 'binary', 'headers', 'http'], 'expect.client', bad);
  const at = (k: string) => `expect.client.${k}`;
  const out: ExpectedClient = {};
  if (c.subprotocols !== undefined) out.subprotocols = tokens(c.subprotocols, at('subprotocols'), bad);
  if (c.origin !== undefined) out.origin = str(c.origin, at('origin'), bad);
  if (c.message !== undefined) out.message = str(c.message, at('message'), bad);
  if (c.size !== undefined) out.size = bytes(c.size, at('size'), bad);
  if (c.count !== undefined) {
    if (!(typeof c.count === 'number' && Number.isInteger(c.count) && c.count >= 0)) throw bad(`${at('count')} must be a whole number ≥ 0`);
    out.count = c.count;
  }
  if (c.interval !== undefined) out.interval = str(c.interval, at('interval'), bad);
  if (c.timeout !== undefined) out.timeout = str(c.timeout, at('timeout'), bad);
  if (c.deflate !== undefined) out.deflate = bool(c.deflate, at('deflate'), bad);
  if (c.binary !== undefined) out.binary = bool(c.binary, at('binary'), bad);
  if (c.headers !== undefined) {
    if (!isStrings(c.headers)) throw bad(`${at('headers')} must be a list of "Name: value" strings`);
    out.headers = c.headers;
  }
  if (c.http !== undefined) {
    if (c.http !== '1.1' && c.http !== '2' && c.http !== 'auto') throw bad(`${at('http')} must be "1.1", "2" or "auto"`);
    out.http = c.http;
  }
  return out;
}

function isJson(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function bool(v: unknown, where: string, bad: (m: string) => Error): boolean {
  if (typeof v !== 'boolean') throw bad(`${where} must be true or false`);
  return v;
}

/** A size as written (`40000`, `"64k"`), checked by the same parser the options use. */
function bytes(v: unknown, where: string, bad: (m: string) => Error): number | string {
  if (typeof v !== 'number' && typeof v !== 'string') throw bad(`${where} must be bytes (a number or "64k")`);
  wrap(() => parseBytes(v, where), bad);
  return v;
}

function object(v: unknown, where: string, bad: (m: string) => Error): Json {
  if (!isJson(v)) throw bad(`${where} must be an object`);
  return v;
}

function only(o: Json, allowed: readonly string[], where: string, bad: (m: string) => Error): void {
  const unknown = Object.keys(o).find((k) => !allowed.includes(k));
  if (unknown !== undefined) throw bad(`unknown field "${unknown}" in ${where} (allowed: ${allowed.join(', ')})`);
}

function str(v: unknown, where: string, bad: (m: string) => Error): string {
  if (typeof v !== 'string') throw bad(`${where} must be a string`);
  return v;
}

function name(v: unknown, where: string, bad: (m: string) => Error): string {
  const s = str(v, where, bad);
  // A Via received-by is a token (RFC 9110 §7.6.3); spaces or commas would break the chain report.
  if (!isToken(s)) throw bad(`${where} "${s}" must be a single token (letters, digits, - . _)`);
  return s;
}

function tokens(v: unknown, where: string, bad: (m: string) => Error): string[] {
  if (!isStrings(v) || !v.every(isToken)) throw bad(`${where} must be a list of tokens`);
  return v;
}

function wrap(fn: () => unknown, bad: (m: string) => Error): void {
  try {
    fn();
  } catch (e) {
    throw e instanceof InputError ? bad(e.message) : e;
  }
}
