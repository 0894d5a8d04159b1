import type { IncomingMessage } from 'node:http';
import type { Duplex, Transform } from 'node:stream';
import type { Logger } from '../../log.js';
import type { Direction, TunnelStats } from '../tunnel.js';

/**
 * A fault makes a wstrace hop misbehave the way a real proxy does. Like toxiproxy's toxics:
 * one small file per kind, this one interface, optional capabilities, a registry by name.
 *
 * Rules every fault obeys:
 * - every wait it adds can be interrupted: when either side goes away or the proxy stops,
 *   the tunnel (or `held` socket) is destroyed and the fault's timers must go with it
 *   (stages are destroyed with the tunnel; use `tunnel.once('closed', …)` for timers);
 * - end of stream propagates to the next stage;
 * - data is never silently dropped unless dropping *is* the fault.
 *
 * Building blocks next to this file: `FrameStage` (frame-aware: edit or drop a frame by its header,
 * control frames whole, inject between frames; data payloads stream through, never held),
 * `Gate` (relay until shut, then swallow), `SpecReader` (one-line errors naming the spec).
 */
export interface Fault {
  /** The kind, e.g. `idle-timeout`. */
  readonly kind: string;
  /** The spec as the user wrote it, for logs. */
  readonly spec: string;
  /** The attributes every fault takes (name, stream, toxicity); set by `parseFaultSpec`. */
  attrs?: FaultAttrs;
  /** Before forwarding a request (upgrade or plain). Return 'handled' when the fault answered or holds the client. */
  onRequest?(ctx: RequestContext): 'handled' | void;
  /** Edit the outgoing upgrade request (strip or set headers) before it is sent upstream. */
  editUpgradeRequest?(out: OutgoingHeaders, req: IncomingMessage): void;
  /** Edit the upstream's 101 response headers before they go to the client. */
  editUpgradeResponse?(headers: Record<string, string | string[] | undefined>): void;
  /** The SETTINGS this hop advertises to HTTP/2 clients (e.g. without extended CONNECT, RFC 8441 §3). */
  editH2Settings?(settings: { enableConnectProtocol?: boolean }): void;
  /** The tunnel exists and no data has flowed yet: add stages, arm timers. */
  onTunnel?(tunnel: FaultTunnel, ctx: TunnelContext): void;
}

/** `up` = client → upstream, `down` = upstream → client, `both`. */
export type Stream = Direction | 'both';

/** What every fault takes, whatever its kind (see the registry's traits and docs/faults.md). */
export interface FaultAttrs {
  /** Unique per hop; the kind unless given (`name=…`). The control API finds a fault by it. */
  name: string;
  /** Which direction the fault acts on; null for a fault with no direction (request-level, timers). */
  stream: Stream | null;
  /** Share of connections (or, for per-frame faults, of frames) the fault applies to, 0..1. */
  toxicity: number;
}

/**
 * What a fault sees of a tunnel. The proxy hands each fault its own view: stages it adds land in
 * the tunnel's live stage list (so the control API can add and remove them while data flows), and
 * stages for a direction outside the fault's `stream` are left out.
 */
export interface FaultTunnel {
  readonly client: Duplex;
  readonly upstream: Duplex;
  addStage(direction: Direction, stage: Transform): void;
  destroy(reason: string): void;
  on(event: 'activity', listener: (dir: Direction, bytes: number) => void): unknown;
  off(event: 'activity', listener: (dir: Direction, bytes: number) => void): unknown;
  once(event: 'closed', listener: (stats: TunnelStats) => void): unknown;
}

export interface OutgoingHeaders {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: string | string[]): void;
  removeHeader(name: string): void;
}

export interface RequestContext {
  hop: string;
  kind: 'upgrade' | 'http';
  req: IncomingMessage;
  log: Logger;
  /** Answer the client now with this status; the body names the hop and the message. */
  answer(status: number, message: string): void;
  /** Keep the client's socket open with no answer until the client leaves or the proxy stops. */
  hold(): void;
}

export interface TunnelContext {
  hop: string;
  log: Logger;
}

export type FaultFactory = (value: string | undefined, params: Record<string, string>, spec: string, attrs: FaultAttrs) => Fault;

export interface FaultKind {
  kind: string;
  /**
   * What the hop does, `syntax` its value and parameters, `mimics` the real software or failure
   * it reproduces: the source of the table in docs/faults.md and of `--fault help`
   * (src/proxy/faults/doc.ts renders both). Markdown: backticks for literals.
   */
  summary: string;
  syntax: string;
  mimics: string;
  create: FaultFactory;
}

export type { Duplex };
