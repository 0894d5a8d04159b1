import type { Pattern } from './patterns.js';
import type { WsTarget } from '../net/url.js';
import type { Connection } from '../connection.js';
import type { VerdictCode } from '../diagnose/catalogue.js';

/** How a held connection ended. */
export type DropCause =
  /** TCP closed (FIN) with no WebSocket close frame: 1006. */
  | 'eof'
  /** TCP reset (ECONNRESET/EPIPE): a hop or the server killed the flow. */
  | 'reset'
  /** A close frame arrived: `closeCode` says which. */
  | 'close'
  /** No pong within --timeout of a ping: the path went half-open. */
  | 'no-pong'
  /** The connection failed otherwise (a protocol error, say). */
  | 'error';

export const DROP_CAUSES: DropCause[] = ['eof', 'reset', 'close', 'no-pong', 'error'];

export interface Drop {
  /** ms since the watch began. */
  t: number;
  /** 1-based slot number, stable over reconnects. */
  conn: number;
  pattern: Pattern;
  /** ms from the 101 to the drop. */
  ageMs: number;
  /** ms since the client last sent a frame (up) and last received one (down). */
  idleUpMs: number;
  idleDownMs: number;
  cause: DropCause;
  /** Close code as ws reports it: 1006 when no close frame came. */
  closeCode: number;
  reason: string;
  /** errno of the socket error, if any (ECONNRESET…). */
  errorCode: string | undefined;
}

export interface HandshakeRecord {
  t: number;
  /** `probe` for the fresh handshake every --every, else the pattern of the held slot. */
  purpose: 'probe' | Pattern;
  ok: boolean;
  /** resolve + connect + TLS + upgrade, ms. */
  ms: number;
  status: number | undefined;
  /** Catalogue code of the failure. */
  code: VerdictCode | undefined;
  summary: string | undefined;
}

export type LimitKind = 'idle-timeout' | 'max-lifetime' | 'periodic-reset';

export interface Limit {
  kind: LimitKind;
  /** Seconds. */
  value: number;
  /** For idle-timeout: which traffic resets the timer. */
  resetBy?: 'client' | 'server' | 'unknown';
  /** Do pings keep connections alive past this limit? */
  pingsHelp: boolean;
  /** How many drops back the value. */
  drops: number;
  evidence: string[];
}

export interface WatchOptions {
  target: WsTarget;
  patterns: Pattern[];
  /** Connections held per pattern. */
  perPattern: number;
  intervalMs: number;
  everyMs: number;
  /** Stop after this long (undefined: until a signal). */
  forMs: number | undefined;
  summaryMs: number;
  timeoutMs: number;
  /** The shared connection options (headers, origin, subprotocols, TLS, deflate, the message). */
  connection: Connection;
}
