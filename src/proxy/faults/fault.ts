import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import type { Tunnel } from '../tunnel.js';

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
  /** Before forwarding a request (upgrade or plain). Return 'handled' when the fault answered or holds the client. */
  onRequest?(ctx: RequestContext): 'handled' | void;
  /** Edit the outgoing upgrade request (strip or set headers) before it is sent upstream. */
  editUpgradeRequest?(out: OutgoingHeaders, req: IncomingMessage): void;
  /** Edit the upstream's 101 response headers before they go to the client. */
  editUpgradeResponse?(headers: Record<string, string | string[] | undefined>): void;
  /** The SETTINGS this hop advertises to HTTP/2 clients (e.g. without extended CONNECT, RFC 8441 §3). */
  editH2Settings?(settings: { enableConnectProtocol?: boolean }): void;
  /** The tunnel exists and no data has flowed yet: add stages, arm timers. */
  onTunnel?(tunnel: Tunnel, ctx: TunnelContext): void;
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

export type FaultFactory = (value: string | undefined, params: Record<string, string>, spec: string) => Fault;

export interface FaultKind {
  kind: string;
  /** One sentence of effect, for --help and the README. */
  summary: string;
  create: FaultFactory;
}

export type { Duplex };
