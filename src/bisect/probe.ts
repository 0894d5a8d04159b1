import { runClient } from '../client/run.js';
import { HOP_HEADER } from '../constants.js';
import type { Connection } from '../connection.js';
import type { VerdictCode } from '../diagnose/catalogue.js';
import { memoryReporter, type HttpAnswer } from '../events.js';
import { isViaEntry, type ViaEntry } from '../protocol/via.js';
import type { HopResult, HopSpec, ProbeRun } from './types.js';
import type { ReachOptions } from '../reach/options.js';
import { authority } from '../reach/http-connect.js';

export interface ProbeSettings {
  timeoutMs: number;
  /** The shared connection options, as the client takes them; headers come from the hop. */
  connection?: Partial<Omit<Connection, 'headers'>> | undefined;
}

/**
 * One probe = the client's own story against one URL: handshake, the endpoint's handshake
 * report when the 101 carries its marker, one echo, close. Each phase is under `timeoutMs`
 * (runClient owns the sockets and their deadlines), so a hung hop costs one timeout, not minutes.
 */
export async function probeOnce(hop: HopSpec, s: ProbeSettings): Promise<ProbeRun> {
  const r = await runClient(
    { ...s.connection, target: hop.target, timeoutMs: s.timeoutMs, count: 1, headers: hop.headers, inspect: true, reach: reachOf(hop, s.connection?.reach) },
    memoryReporter(),
  );
  const response = r.response;
  return {
    ok: r.ok,
    status: r.status,
    statusText: response ? response.statusText : r.status === 101 ? 'Switching Protocols' : '',
    ms: r.totalMs,
    upgradeMs: r.upgradeMs,
    endpoint: r.endpoint,
    verdict: r.verdict ?? null,
    via: r.report?.via ?? viaOf(bodyJson(response)) ?? null,
    answeredBy: response ? headerOf(response.headers, HOP_HEADER) : null,
    changes: r.trace?.changes ?? [],
    firstTraced: r.trace?.points[1]?.at ?? r.endpoint,
  };
}

/** `--at` as host:port, or null. */
export function atOf(hop: HopSpec): string | null {
  return hop.at ? authority(hop.at.host, hop.at.port) : null;
}

/** The connection's reach, with the hop's `--at` address first among the --connect-to rules. */
export function reachOf(hop: HopSpec, base: ReachOptions = {}): ReachOptions {
  if (!hop.at) return base;
  const rule = { host: '', port: undefined, toHost: hop.at.host, toPort: hop.at.port };
  return { ...base, connectTo: [rule, ...(base.connectTo ?? [])] };
}

/** Probes one hop `runs` times in sequence and folds the runs into one row. */
export async function probeHop(hop: HopSpec, s: ProbeSettings, runs = 1): Promise<HopResult> {
  const all: ProbeRun[] = [];
  for (let i = 0; i < runs; i++) all.push(await probeOnce(hop, s));
  return summarise(hop, all);
}

export function summarise(hop: HopSpec, runs: ProbeRun[]): HopResult {
  const failed = runs.filter((r) => !r.ok);
  // The row shows the most common failure: with a 50/50 pool that is the broken member's answer.
  const shown = failed.length ? mostCommon(failed) : runs[runs.length - 1]!;
  const ms = runs.reduce((a, r) => a + r.ms, 0) / runs.length;
  const answered = runs.flatMap((r) => (r.upgradeMs === null ? [] : [r.upgradeMs]));
  const upgradeMs = answered.length ? answered.reduce((a, b) => a + b, 0) / answered.length : null;
  return {
    index: hop.index,
    name: hop.name,
    url: hop.target.url.href,
    at: atOf(hop),
    probed: true,
    ok: failed.length === 0,
    status: shown.status,
    statusText: shown.statusText,
    ms: Math.round(ms * 1000) / 1000,
    upgradeMs: upgradeMs === null ? null : Math.round(upgradeMs * 1000) / 1000,
    endpoint: shown.endpoint,
    verdict: shown.verdict,
    via: shown.via ?? runs.find((r) => r.via)?.via ?? null,
    answeredBy: shown.answeredBy,
    changes: shown.changes,
    firstTraced: shown.firstTraced,
    runs: runs.length,
    failures: failed.length,
    rate: failed.length / runs.length,
    intermittent: failed.length > 0 && failed.length < runs.length,
  };
}

/** A row for a URL binary search never had to probe. */
export function notProbed(hop: HopSpec): HopResult {
  return {
    index: hop.index, name: hop.name, url: hop.target.url.href, at: atOf(hop), probed: false, ok: false, status: null, statusText: '', ms: null, upgradeMs: null,
    endpoint: null, verdict: null, via: null, answeredBy: null, changes: [], firstTraced: null, runs: 0, failures: 0, rate: 0, intermittent: false,
  };
}

function mostCommon(failed: ProbeRun[]): ProbeRun {
  const counts = new Map<VerdictCode | undefined, number>();
  for (const r of failed) counts.set(r.verdict?.code, (counts.get(r.verdict?.code) ?? 0) + 1);
  let best = failed[0]!;
  for (const r of failed) if (counts.get(r.verdict?.code)! > counts.get(best.verdict?.code)!) best = r;
  return best;
}

/** Our endpoint's 426 body carries the Via chain it received. */
function viaOf(body: unknown): ViaEntry[] | undefined {
  if (typeof body !== 'object' || body === null || !('via' in body) || !Array.isArray(body.via)) return undefined;
  return body.via.every(isViaEntry) ? body.via : undefined;
}

function bodyJson(response: HttpAnswer | null): unknown {
  if (!response) return undefined;
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}

function headerOf(headers: [string, string][], name: string): string | null {
  return headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1] ?? null;
}
