/**
 * The one interface every probe check implements (one file each under checks/, a registry by
 * name), like the proxy's faults. A check opens its connections through its context, which
 * owns them: whatever the check does, every socket is destroyed when it ends, and no wait
 * may outlast the context's deadline (--max-wait from the check's start).
 */
import type { TlsOptions } from '../client/dial.js';
import type { VerdictCode } from '../diagnose/catalogue.js';
import type { Sighting } from '../diagnose/identify.js';
import type { WsTarget } from '../net/url.js';
import type { ReachOptions } from '../reach/options.js';
import type { Session } from './session.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

/** A check's figure as it is reported (probe's rows, bisect --check's layers). */
export interface CheckFigure {
  status: CheckStatus;
  value: number | string | null;
  unit: string | null;
  closeCode: number | null;
  summary: string;
}

export interface CheckOutcome {
  status: CheckStatus;
  /** The measured figure (a duration, a size, a count, a chosen name), or null. */
  value: number | string | null;
  /** `ms`, `s`, `bytes`, `cases`… or null with a null value. */
  unit: string | null;
  /** The close code the peer (or path) ended with, when that is part of the finding. */
  closeCode?: number | null;
  /** One line: what the figure means. */
  summary: string;
  /** Facts behind the status, most important first. */
  evidence: string[];
  /** The catalogue entry a FAIL (or WARN) points at, for the final verdict. */
  verdict?: VerdictCode;
  /** A sharper next step than the catalogue's default. */
  next?: string;
  /** Extra machine-readable facts, merged into the `check` event. */
  data?: Record<string, unknown>;
}

export interface ProbeSettings {
  target: WsTarget;
  /** Per-step deadline (--timeout). */
  timeoutMs: number;
  /** Bound of every check, and what long checks wait for (--max-wait). */
  maxWaitMs: number;
  /** idle-timeout also runs with pings (and bare pongs) every this many ms. */
  keepaliveMs?: number | undefined;
  /** max-message searches up to this size. */
  maxSize: number;
  subprotocols: string[];
  headers: Record<string, string>;
  tls: TlsOptions;
  /** Proxy, address overrides, TLS name, client certificate: as in the client. */
  reach?: ReachOptions;
  /** Redirects the first connection may follow (--location); the checks then use the final URL. */
  redirects?: number;
}

/** What the first connection learned about the peer. */
export interface PeerInfo {
  /** The X-Wstrace-Endpoint name on the 101: the peer understands `wstrace:*` messages. */
  endpoint?: string | undefined;
  /** Software the 101 named (Server, Via…): its settings are the fix. */
  software?: Sighting[];
}

export interface OpenOptions {
  connection?: string;
  deflate?: boolean;
  subprotocols?: string[];
}

export interface CheckContext {
  readonly settings: ProbeSettings;
  readonly peer: PeerInfo;
  /** A connection owned by this check's run (throws OpenError when no 101 comes back). */
  open(opts?: OpenOptions): Promise<Session>;
  /** Milliseconds left before this check must have finished. */
  remaining(): number;
  /** `ms`, cut to what is left. */
  wait(ms: number): number;
  /**
   * Moves the deadline to `at` (a performance.now() time) when that is later, at most 60 s (or
   * one --max-wait, if longer) past the original: for a wait whose bound counts from something
   * the peer did (its close frame) or announced, not from the check's start.
   */
  extendTo(at: number): void;
}

/** A check's implementation; its name, kind and documentation live in catalog.ts (checkInfo). */
export interface Check {
  readonly name: string;
  /** Long checks wait for the peer or path to do something on its own; they run only when asked. */
  readonly long: boolean;
  /** Moves a lot of bytes: starts after the other quick checks so it cannot skew their timings. */
  readonly heavy: boolean;
  run(ctx: CheckContext): Promise<CheckOutcome>;
}

export function outcome(status: CheckStatus, summary: string, fields: Partial<CheckOutcome> = {}): CheckOutcome {
  return { status, summary, value: null, unit: null, evidence: [], ...fields };
}
