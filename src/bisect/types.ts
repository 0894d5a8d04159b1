import type { Connection } from '../connection.js';
import type { Verdict, VerdictCode } from '../diagnose/catalogue.js';
import type { CheckFigure } from '../probe/check.js';
import type { TraceChange, TraceField } from '../protocol/hop-trace.js';
import type { ViaEntry } from '../protocol/via.js';
import type { WsTarget } from '../net/url.js';

/** One URL to probe, in path order: index 0 is the outermost (what clients connect to). */
export interface HopSpec {
  index: number;
  name: string;
  target: WsTarget;
  /** Global --header values merged with this hop's --hop-header values (the hop's win). */
  headers: Record<string, string>;
  /** `--at HOST:PORT`: reach this URL at that address instead (same Host and SNI). */
  at?: { host: string; port: number } | undefined;
}

export type Strategy = 'all' | 'binary';
export const STRATEGIES: readonly Strategy[] = ['all', 'binary'];

export interface BisectOptions {
  hops: HopSpec[];
  strategy?: Strategy;
  /** Per-phase deadline of every probe, ms. */
  timeoutMs?: number;
  /** How every probe connects (message, origin, subprotocols, expect, TLS…); headers are per hop (HopSpec). */
  connection?: Partial<Omit<Connection, 'headers'>>;
  /** Probes per hop (strategy `all` only): finds intermittent hops. */
  repeat?: number;
}

/** One handshake + echo attempt against one URL. */
export interface ProbeRun {
  ok: boolean;
  status: number | null;
  /** The whole probe (handshake, inspect, echo, close), ms. */
  ms: number;
  /** Request written → first byte of the answer, ms; null when nothing answered. */
  upgradeMs: number | null;
  endpoint: string | null;
  verdict: Verdict | null;
  /** The Via chain the wstrace endpoint reported (inspect on success, the 426 body on failure). */
  via: ViaEntry[] | null;
  /** Which wstrace hop generated the answer (X-Wstrace-Hop), when one did. */
  answeredBy: string | null;
  statusText: string;
  /** Handshake fields that changed on the way in (hop trace; empty without wstrace hops). */
  changes: TraceChange[];
  /** The first wstrace hop or endpoint (its own name) that received this probe's request. */
  firstTraced: string | null;
}

/** What we know about one URL after its probes; `probed: false` when binary search skipped it. */
export interface HopResult {
  index: number;
  name: string;
  url: string;
  /** The address this URL was reached at (`--at`), or null. */
  at: string | null;
  probed: boolean;
  ok: boolean;
  status: number | null;
  statusText: string;
  /** Mean probe time (the whole probe), ms. */
  ms: number | null;
  /** Mean time to the answer of the upgrade over the probes that got one, ms; null when none did. */
  upgradeMs: number | null;
  endpoint: string | null;
  /** Why it failed (its `code` is the row's cause); null when it worked or was not probed. */
  verdict: Verdict | null;
  via: ViaEntry[] | null;
  answeredBy: string | null;
  changes: TraceChange[];
  firstTraced: string | null;
  runs: number;
  failures: number;
  /** failures / runs. */
  rate: number;
  /** Some probes failed and some worked: a pool with a broken member, a flapping hop. */
  intermittent: boolean;
}

/**
 * `inner`: index of the outermost URL of the working run that ends at the origin; `outer =
 * inner - 1`, the innermost URL that fails: the hop whose forwarding breaks the path.
 * `inner: null` when the origin itself fails.
 */
export interface Break {
  outer: number;
  inner: number | null;
  code: VerdictCode;
}

/** A handshake field the hop at `index` changes: its URL's trace shows it, the next URL's does not. */
export interface Alteration {
  index: number;
  name: string;
  field: TraceField;
  header: string;
  before: string | null;
  after: string | null;
}

export interface BisectResult {
  ok: boolean;
  strategy: Strategy;
  repeat: number;
  probes: number;
  hops: HopResult[];
  break: Break | null;
  /** False when an outer hop works while one behind it fails: the path is not what the URL order says. */
  monotone: boolean;
  anomalies: string[];
  /** With --http 2|auto and a break: the broken hop probed again over HTTP/1.1. */
  fallback?: { index: number; ok: boolean; code: VerdictCode | null };
  /** Every handshake field a layer changes, innermost layer that shows it (see localiseChanges). */
  alterations: Alteration[];
  totalMs: number;
  verdict?: Verdict;
}

/** One check's figure at one layer. */
export interface LayerFigure extends CheckFigure {
  index: number;
  name: string;
  code: VerdictCode | null;
}

export interface CheckBreak {
  check: string;
  outer: number;
  /** null: the origin itself shows it. */
  inner: number | null;
  code: VerdictCode;
  verdict: Verdict;
}

export interface CheckBisectResult {
  ok: boolean;
  checks: { name: string; layers: LayerFigure[]; break: CheckBreak | null }[];
  /** The first check's break (registry order): the headline verdict. */
  break: { outer: number; inner: number | null; code: VerdictCode; check: string } | null;
  verdict?: Verdict;
  totalMs: number;
}
