/**
 * The `--json` contract, typed: every event any command emits, as one discriminated union on
 * `event`, and the Reporter that carries them. Commands describe what happened with these; a
 * renderer (src/report/) turns them into human lines, `--json` prints each as one NDJSON line.
 * docs/events.schema.json is the same contract for other languages; docs/json.md documents it.
 *
 * This module sits low in the layering: it imports types only, and nothing from report/, run/
 * or the CLI. Field names are stable; new fields may be added.
 */
import type { Verdict, VerdictCode } from './diagnose/catalogue.js';
import type { Phase } from './diagnose/errors.js';
import type { TraceChange, TracePoint } from './protocol/hop-trace.js';
import type { HandshakeReport } from './endpoint/inspect.js';
import type { HopTrace } from './client/trace.js';
import type { Expect } from './connection.js';
import type { PhaseDetail } from './client/phase.js';
import type { BisectResult, Break, CheckBisectResult, HopResult, Strategy } from './bisect/types.js';
import type { FaultChange, FaultInfo } from './proxy/hop-faults.js';
import type { HopInfo } from './control/types.js';
import type { FrameEvent } from './proxy/frame-log.js';
import type { Layer } from './chain/topology.js';
import type { CheckFigure } from './probe/check.js';
import type { Drop, LimitKind } from './watch/types.js';
import type { Pattern } from './watch/patterns.js';
import type { HandshakeFigures, SummaryFigures } from './watch/stats.js';

export type { FrameEvent, FaultChange };

// ---- servers (echo, proxy, chain, demo) -------------------------------------------------------

export interface EchoListeningEvent {
  event: 'listening';
  url: string;
  name: string;
  /** null with `--listen unix:PATH`. */
  port: number | null;
  bufferutil: boolean;
  utf8Validate: boolean;
}

export interface ProxyListeningEvent {
  event: 'listening';
  url: string;
  name: string;
  port: number | null;
  targets: string[];
  upstreams: string[];
  faults: string[];
  upstreamHttp: string;
  api?: string;
}

export interface ChainListeningEvent {
  event: 'listening';
  /** The outermost layer, where clients connect (absent in `demo`, which prints only layers). */
  url?: string;
  layers: Layer[];
  api?: string;
  description?: string;
}

export type ListeningEvent = EchoListeningEvent | ProxyListeningEvent | ChainListeningEvent;

export interface StoppedEvent {
  event: 'stopped';
  signal: string;
}

/** A change to a hop's faults (through the control API), stamped. */
export type FaultChangeEvent = FaultChange & { t: number };

/** `--trace-frames`: one frame one hop saw, stamped. */
export type FrameTraceEvent = FrameEvent & { t: number };

/** `wstrace fault`'s answers. */
export type FaultAnswerEvent =
  | { event: 'fault'; action: 'add' | 'remove'; hop: string; fault: FaultInfo }
  | { event: 'fault'; action: 'reset'; removed: Record<string, string[]> };

export interface HopsEvent {
  event: 'hops';
  hops: HopInfo[];
}

// ---- client ------------------------------------------------------------------------------------

/** The client's phases (`echo` names a failure during the echoes; no `phase` event carries it). */
export type PhaseName = Phase;

export type { PhaseDetail };

export interface PhaseEvent extends PhaseDetail {
  event: 'phase';
  phase: PhaseName;
  t: number;
  ms?: number;
  /** Only on a failed phase, with `error`. */
  ok?: false;
  error?: PhaseFailure;
}

/** A failed phase: the same shape wherever one is reported. */
export interface PhaseFailure {
  phase: PhaseName;
  /** The errno (ECONNREFUSED, ENOTFOUND…) or our deadline's ETIMEDOUT_DEADLINE when the cause has one, else null. */
  code: string | null;
  message: string;
  /** How long the phase ran before it failed. */
  ms: number;
}

export type ResponseEvent = { event: 'response'; t: number } & HttpAnswer;

export interface FallbackEvent {
  event: 'fallback';
  t: number;
  from: string;
  to: string;
  reason: string;
}

export interface TraceEvent {
  event: 'trace';
  t: number;
  points: TracePoint[];
  changes: TraceChange[];
}

export type InspectEvent =
  | { event: 'inspect'; t: number; available: true; report: HandshakeReport }
  | { event: 'inspect'; t: number; available: false; note: string };

export interface EchoEvent {
  event: 'echo';
  t: number;
  seq: number;
  count: number;
  bytes: number;
  binary: boolean;
  ms: number;
  ok: boolean;
  /** A failed round trip: why no echo came. */
  outcome?: 'timeout' | 'closed' | 'error';
}

export interface SendEvent {
  event: 'send';
  t: number;
  seq: number;
  /** How many the run will send; absent in a session (interactive, pipe, -x), which cannot know. */
  count?: number;
  bytes: number;
  binary: boolean;
  /** A session's sends carry the payload: `text`, or `hex` for binary. */
  text?: string;
  hex?: string;
}

export interface MessageEvent {
  event: 'message';
  t: number;
  seq: number;
  bytes: number;
  binary: boolean;
  text?: string;
  hex?: string;
}

export interface PongEvent {
  event: 'pong';
  t: number;
  ms: number;
  ok?: false;
  outcome?: 'timeout' | 'closed' | 'error';
  /** In a session: true for the user's /ping, false for a keepalive ping (--ping-interval). */
  asked?: boolean;
}

/** A session with -P: the peer pinged us (ws answers with a pong by itself). */
export interface PeerPingEvent {
  event: 'ping';
  t: number;
  by: 'peer';
}

export interface ConfirmEvent {
  event: 'confirm';
  t: number;
  /** What is being confirmed, e.g. `max-lifetime`. */
  check: string;
  note: string;
}

/** The client's whole run, as `runClient` returns it. */
export interface ClientResult {
  ok: boolean;
  url: string;
  status: number | null;
  /** HTTP version the WebSocket opened over ('1.1' or '2.0'), null when it did not open. */
  http: string | null;
  endpoint: string | null;
  /** What the far end was expected to do: given with --expect, else echo for a wstrace endpoint, any otherwise. */
  expect: Expect | null;
  echoes: { sent: number; matched: number };
  /** Messages sent and received (every mode). */
  messages: { sent: number; received: number };
  /** The ping/pong round trip that proved the connection alive (expect any), ms. */
  pongMs: number | null;
  rttMs: { min: number; avg: number; max: number } | null;
  closeCode: number | null;
  /** The endpoint's handshake report, when asked for and available. */
  report: HandshakeReport | null;
  /** What each wstrace hop (and the endpoint) received of the handshake, and every change. */
  trace: HopTrace | null;
  /** The answer to the upgrade when it was not the WebSocket (the `response` event's fields), else null. */
  response: HttpAnswer | null;
  /** The upgrade phase: request written → first byte of the answer, ms; null when nothing answered. */
  upgradeMs: number | null;
  totalMs: number;
  verdict?: Verdict;
}

/** A non-101 answer: status line, headers in arrival order, the body's first 4 KiB. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/** The `result` line leaves out `report`: the `inspect` event already carried it. */
export type ClientResultEvent = { event: 'result' } & Omit<ClientResult, 'report'>;

export type ClientEvent =
  | PhaseEvent | ResponseEvent | FallbackEvent | TraceEvent | InspectEvent | EchoEvent | SendEvent | MessageEvent | PongEvent
  | ConfirmEvent | ClientResultEvent;

/** A client session (interactive, pipe, -x): the client's events, plus the peer's pings. */
export type SessionEvent = ClientEvent | PeerPingEvent;

// ---- load (client --concurrency) ---------------------------------------------------------------

export interface LoadSummary {
  /** Requested, and actually upgraded. */
  connections: number;
  opened: number;
  /** Echoes that came back intact. */
  messages: number;
  sent: number;
  /** Rate mode: messages that were due but never sent before the run stopped (a sign of overload). */
  unsent: number;
  bytes: number;
  /** Errors counted by verdict code. */
  errors: Partial<Record<VerdictCode, number>>;
  latencyMs: { p50: number; p90: number; p99: number; max: number; min: number; mean: number };
  handshakeMs: { p50: number; p99: number; max: number };
  msgsPerSec: number;
  bytesPerSec: number;
  /** The message phase, from the first send to the last answer. */
  ms: number;
  size: number;
  binary: boolean;
  pipeline: number;
  rate: number | null;
  /** True with --rate: latency counts from when each message should have been sent (no coordinated omission). */
  correctedForCoordinatedOmission: boolean;
}

export type LoadEvent = { event: 'load'; t: number; url: string } & LoadSummary;

export interface LoadResultEvent {
  event: 'result';
  ok: boolean;
  url: string;
  totalMs: number;
  verdict?: Verdict;
}

// ---- bisect ------------------------------------------------------------------------------------

export interface PlanEvent {
  event: 'plan';
  t: number;
  strategy: Strategy;
  repeat: number;
  timeoutMs: number;
  hops: { index: number; name: string; url: string; at: string | null }[];
  /** bisect --check only. */
  maxWaitMs?: number;
  checks?: string[];
}

/** One probed URL as it completes; `step` only in a binary search. */
export type HopEvent = { event: 'hop'; t: number; step?: number } & HopResult;

export type BisectResultEvent = { event: 'result' } & BisectResult;
export type CheckBisectResultEvent = { event: 'result' } & CheckBisectResult;

/** What one check found, as the stream reports it: probe's rows and bisect --check's layers. */
export interface CheckReport extends CheckFigure {
  name: string;
  evidence: string[];
  code?: VerdictCode;
}

/** bisect --check: one check at one URL. */
export interface LayerCheckEvent extends CheckReport {
  event: 'check';
  t: number;
  hop: number;
  hopName: string;
}

export type BisectEvent = PlanEvent | HopEvent | LayerCheckEvent | BisectResultEvent | CheckBisectResultEvent;

// ---- probe -------------------------------------------------------------------------------------

export interface ProbeEvent {
  event: 'probe';
  url: string;
  checks: number;
  long: number;
  timeout: string;
  maxWait: string;
}

export interface ProgressEvent {
  event: 'progress';
  t: number;
  running: string[];
  maxWaitMs: number;
}

export interface CheckEvent extends CheckReport {
  event: 'check';
  t: number;
  long: boolean;
  ms: number;
  /** Per-check facts (see docs/json.md). */
  [fact: string]: unknown;
}

export interface ProbeResultEvent {
  event: 'result';
  ok: boolean;
  url: string;
  /** `2` when the checks ran over HTTP/2. */
  http?: '2';
  endpoint: string | null;
  checks: number;
  pass: number;
  warn: number;
  fail: number;
  totalMs: number;
  verdict?: Verdict;
}

/** probe emits the client's redirect phase when it follows a Location. */
export type ProbeStreamEvent = ProbeEvent | ProgressEvent | CheckEvent | ProbeResultEvent | PhaseEvent;

// ---- watch -------------------------------------------------------------------------------------

export interface LimitFields {
  kind: LimitKind;
  value: number;
  unit: 's';
  resetBy: 'client' | 'server' | 'unknown' | null;
  pingsHelp: boolean;
  drops: number;
  evidence: string[];
}

export interface WatchStartEvent {
  event: 'watch';
  url: string;
  patterns: Pattern[];
  connections: number;
  intervalMs: number;
  everyMs: number;
  forMs: number | null;
  summaryMs: number;
}

export interface HandshakeEvent {
  event: 'handshake';
  t: number;
  purpose: 'probe' | Pattern;
  ok: boolean;
  ms: number;
  status: number | null;
  code?: string | undefined;
  summary?: string | undefined;
}

/** A watch drop (src/watch/types.ts `Drop`), with `errorCode` null rather than absent. */
export type DropEvent = { event: 'drop' } & Omit<Drop, 'errorCode'> & { errorCode: string | null };

export type LimitEvent = { event: 'limit'; t: number } & LimitFields;

export type SummaryEvent = {
  event: 'summary';
  t: number;
  final: boolean;
  open: number;
  held: number;
  window: HandshakeFigures;
  limits: LimitFields[];
} & SummaryFigures;

export interface MetricsEvent {
  event: 'metrics';
  url: string;
}

export interface WatchResultEvent {
  event: 'result';
  t: number;
  ok: boolean;
  failed: { condition: string; detail: string }[];
  totals: SummaryFigures;
  limits: LimitFields[];
  verdict?: Verdict;
}

export type WatchEvent = WatchStartEvent | HandshakeEvent | DropEvent | LimitEvent | SummaryEvent | MetricsEvent | StoppedEvent | WatchResultEvent;

// ---- demo --------------------------------------------------------------------------------------

/** The client's run in the demo: its result, under its own name (the demo's `result` comes last). */
export type DemoClientEvent = { event: 'client' } & Omit<ClientResult, 'report'>;

/** Bisect's run in the demo, likewise. */
export type DemoBisectEvent = { event: 'bisect' } & BisectResult;

/** The demo's verdict on itself: did bisect name the hop it broke on purpose? */
export interface DemoResultEvent {
  event: 'result';
  ok: boolean;
  expected: { outer: number; code: VerdictCode; fault: string };
  break: Break | null;
}

// ---- errors -----------------------------------------------------------------------------------

/** A usage or input error (exit 2) or an unexpected one (exit 1) under --json: the stream's last line. */
export interface ErrorEvent {
  event: 'error';
  /** A stable code: ERR_USAGE for option syntax, ERR_BAD_… for a bad value, ERR_UNEXPECTED for a bug. */
  code: string;
  /** The same text as the `error:` line on stderr. */
  message: string;
  exitCode: 1 | 2;
}

// ---- the whole stream --------------------------------------------------------------------------

export type ServerEvent = ListeningEvent | StoppedEvent | FaultChangeEvent | FrameTraceEvent;
export type ProxyStreamEvent = ProxyListeningEvent | StoppedEvent | FaultChangeEvent | FrameTraceEvent;
export type ChainStreamEvent = ChainListeningEvent | StoppedEvent | FaultChangeEvent | FrameTraceEvent;
export type FaultCommandEvent = FaultAnswerEvent | HopsEvent;

export type WstraceEvent =
  | ServerEvent | FaultAnswerEvent | HopsEvent
  | ClientEvent | PeerPingEvent | LoadEvent | LoadResultEvent
  | BisectEvent | ProbeStreamEvent | WatchEvent
  | DemoClientEvent | DemoBisectEvent | DemoResultEvent
  | ErrorEvent;

/** Every `event` name on the stream. */
export type EventName = WstraceEvent['event'];

// A key missing here, or one too many, is a compile error: the list cannot drift from the union.
const NAMED: Record<EventName, true> = {
  listening: true, stopped: true, fault: true, hops: true, frame: true, phase: true, response: true, fallback: true, trace: true,
  inspect: true, echo: true, send: true, message: true, pong: true, ping: true, confirm: true, load: true, plan: true, hop: true, check: true,
  probe: true, progress: true, watch: true, handshake: true, drop: true, limit: true, summary: true, metrics: true, client: true,
  bisect: true, error: true, result: true,
};

/** Every `event` name, at run time (docs/events.schema.json lists the same; a test compares them). */
export const EVENT_NAMES: readonly string[] = Object.keys(NAMED);

/**
 * Where a command's events go. `emit` is a property, not a method, so TypeScript checks it
 * contravariantly: a reporter for every event fits where a client reporter is asked for, a
 * client-only renderer never receives a bisect event.
 */
export interface Reporter<E extends { event: string } = WstraceEvent> {
  readonly emit: (ev: E) => void;
}

/** Collects events in memory: for the library API and tests. */
export function memoryReporter<E extends { event: string } = WstraceEvent>(): Reporter<E> & { events: E[] } {
  const events: E[] = [];
  return { events, emit: (ev) => void events.push(ev) };
}
