import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { closeHandshake } from '../client/exchange.js';
import type { Pattern } from './patterns.js';
import type { Connected } from './connect.js';
import type { Drop, DropCause, HandshakeRecord } from './types.js';

/** After a drop of a connection that lived, reconnect this soon (more than BURST_MS). */
export const RECONNECT_MS = 200;
/**
 * Slots start this far apart, and restart this far apart after dropping together, so their
 * connections always differ in age: a lifetime cap then cuts them one by one, a drain together.
 */
export const STAGGER_MS = 400;
/** A connection younger than this when it dropped counts as a failure for the backoff. */
const MIN_HEALTHY_MS = 1_000;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30_000;

export interface SlotHost {
  connect(): Promise<Connected>;
  /** ms since the watch began. */
  now(): number;
  intervalMs: number;
  timeoutMs: number;
  /** What the `message` pattern sends. */
  message: { data: string | Buffer; binary: boolean };
  handshake(h: HandshakeRecord): void;
  opened(slot: HeldSlot): void;
  dropped(d: Drop): void;
  /** Did another slot drop within BURST_MS of `t`? */
  droppedWith(conn: number, t: number): boolean;
}

interface Open {
  ws: WebSocket;
  socket: Socket;
  openedAt: number;
  lastUp: number;
  lastDown: number;
  /** Set while a ping waits for its pong. */
  pongDeadline: NodeJS.Timeout | undefined;
  traffic: NodeJS.Timeout | undefined;
  errorCode: string | undefined;
  noPong: boolean;
}

/**
 * One held connection, reconnected after every drop: the only owner of its socket and of its
 * two timers (traffic, pong deadline), cleared at one point (`#clearTimers`). Holds at most one
 * connection at a time, so a watch never has more connections open than it was asked for.
 */
export class HeldSlot {
  #state: 'waiting' | 'connecting' | 'open' | 'stopped' = 'waiting';
  #open: Open | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The handshake in flight, awaited by stop() (it ends by its own deadlines). */
  #connecting: Promise<void> | undefined;
  /** Consecutive failures (handshake failed, or dropped young): drives the backoff. */
  #failures = 0;

  constructor(readonly conn: number, readonly pattern: Pattern, private readonly host: SlotHost) {}

  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Age of the open connection, ms (undefined when none is open). */
  age(now: number): number | undefined {
    return this.#open ? now - this.#open.openedAt : undefined;
  }

  start(): void {
    this.#schedule(this.#stagger());
  }

  /** Stops reconnecting; closes the open connection with a close handshake bounded by --timeout. */
  async stop(): Promise<void> {
    const open = this.#open;
    this.#state = 'stopped';
    clearTimeout(this.#timer);
    await this.#connecting;
    if (!open) return;
    this.#clearTimers(open);
    open.ws.off('close', this.#onClose);
    this.#open = undefined;
    await closeHandshake(open.ws, this.host.timeoutMs);
    open.socket.destroy();
  }

  #stopped(): boolean {
    return this.#state === 'stopped';
  }

  #stagger(): number {
    return (this.conn - 1) * STAGGER_MS;
  }

  #schedule(ms: number): void {
    if (this.#state === 'stopped') return;
    this.#state = 'waiting';
    this.#timer = setTimeout(() => {
      this.#connecting = this.#connect().finally(() => (this.#connecting = undefined));
    }, ms);
  }

  /** After consecutive failures: doubling, plus the stagger that keeps slots apart after a shared outage. */
  #backoff(): number {
    return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (this.#failures - 1)) + this.#stagger();
  }

  async #connect(): Promise<void> {
    if (this.#state !== 'waiting') return;
    this.#state = 'connecting';
    const t = this.host.now();
    const c = await this.host.connect();
    this.host.handshake({
      t, purpose: this.pattern, ok: c.ok, ms: c.ms, status: c.status,
      code: c.ok ? undefined : c.verdict.code, summary: c.ok ? undefined : c.verdict.summary,
    });
    if (!c.ok) {
      this.#failures++;
      this.#schedule(this.#backoff());
      return;
    }
    // stop() may have run while the handshake was in flight.
    if (this.#stopped()) {
      c.ws.terminate();
      c.socket.destroy();
      return;
    }
    const now = this.host.now();
    const open: Open = {
      ws: c.ws, socket: c.socket, openedAt: now, lastUp: now, lastDown: now,
      pongDeadline: undefined, traffic: undefined, errorCode: undefined, noPong: false,
    };
    this.#open = open;
    this.#state = 'open';
    c.socket.on('error', this.#onError);
    c.ws.on('error', this.#onError);
    c.ws.on('close', this.#onClose);
    c.ws.on('message', this.#onDown);
    c.ws.on('ping', this.#onDown);
    c.ws.on('pong', this.#onPong);
    if (this.pattern !== 'silent') open.traffic = setInterval(this.#send, this.host.intervalMs);
    this.host.opened(this);
  }

  readonly #send = (): void => {
    const open = this.#open;
    if (!open || open.ws.readyState !== open.ws.OPEN) return;
    open.lastUp = this.host.now();
    if (this.pattern === 'ping') {
      open.ws.ping();
      // One deadline for the oldest unanswered ping: a pong answers every ping before it.
      open.pongDeadline ??= setTimeout(this.#pongMissing, this.host.timeoutMs);
    } else if (this.pattern === 'pong') {
      open.ws.pong();
    } else {
      open.ws.send(this.host.message.data, { binary: this.host.message.binary });
    }
  };

  readonly #onDown = (): void => {
    if (this.#open) this.#open.lastDown = this.host.now();
  };

  readonly #onPong = (): void => {
    const open = this.#open;
    if (!open) return;
    open.lastDown = this.host.now();
    clearTimeout(open.pongDeadline);
    open.pongDeadline = undefined;
  };

  readonly #pongMissing = (): void => {
    const open = this.#open;
    if (!open) return;
    open.noPong = true;
    open.ws.terminate();
  };

  /** The socket's errno (a reset) or ws's error code (a protocol error), whichever came first. */
  readonly #onError = (err: NodeJS.ErrnoException): void => {
    if (this.#open) this.#open.errorCode ??= err.code ?? 'error';
  };

  readonly #onClose = (code: number, reason: Buffer): void => {
    const open = this.#open;
    if (!open) return;
    const now = this.host.now();
    this.#clearTimers(open);
    this.#open = undefined;
    open.socket.destroy();
    const ageMs = now - open.openedAt;
    this.host.dropped({
      t: now, conn: this.conn, pattern: this.pattern, ageMs, idleUpMs: now - open.lastUp, idleDownMs: now - open.lastDown,
      cause: causeOf(code, open), closeCode: code, reason: open.noPong ? `no pong within ${this.host.timeoutMs} ms` : reason.toString(),
      errorCode: open.errorCode,
    });
    this.#failures = ageMs < MIN_HEALTHY_MS ? this.#failures + 1 : 0;
    if (this.#failures > 0) return this.#schedule(this.#backoff());
    // Decided after RECONNECT_MS, when the drops of the same instant have all arrived.
    this.#state = 'waiting';
    this.#timer = setTimeout(() => this.#schedule(this.host.droppedWith(this.conn, now) ? this.#stagger() : 0), RECONNECT_MS);
  };

  #clearTimers(open: Open): void {
    clearInterval(open.traffic);
    clearTimeout(open.pongDeadline);
    open.traffic = undefined;
    open.pongDeadline = undefined;
  }
}

function causeOf(code: number, open: Open): DropCause {
  if (open.noPong) return 'no-pong';
  if (open.errorCode === 'ECONNRESET' || open.errorCode === 'EPIPE') return 'reset';
  if (open.errorCode?.startsWith('WS_ERR_')) return 'error';
  // 1006 is ws's "no close frame came" (RFC 6455 §7.1.5); 1005 a close frame without a code.
  return code === 1006 ? 'eof' : 'close';
}
