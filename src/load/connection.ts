import type { RawData, WebSocket } from 'ws';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { diagnoseClose } from '../diagnose/close.js';
import { closeHandshake, type CloseOutcome } from '../client/exchange.js';
import { bufferOf } from '../protocol/raw-data.js';

/** What a connection asks of the run that drives it. */
export interface Driver {
  /** Closed loop: may this connection send one more message? (Counts it as issued if so.) */
  ticket(): boolean;
  /** One echo came back intact after `ms`, measured from its origin (intended or actual send). */
  replied(ms: number): void;
  failed(conn: LoadConnection, v: Verdict): void;
}

/** Fixed-size FIFO of timestamps: at most `pipeline` messages are ever in flight. */
class Ring {
  private readonly buf: Float64Array;
  private head = 0;
  length = 0;
  constructor(capacity: number) {
    this.buf = new Float64Array(Math.max(1, capacity));
  }
  push(v: number): void {
    this.buf[(this.head + this.length++) % this.buf.length] = v;
  }
  shift(): number {
    const v = this.buf[this.head]!;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return v;
  }
  peek(): number {
    return this.buf[this.head]!;
  }
}

/**
 * One open WebSocket of a load run, and the only owner of it from the 101 to its close. Echo
 * servers answer in order (RFC 6455 §5.4 keeps one connection's messages ordered), so replies
 * are matched FIFO to the send times in flight, without per-message ids.
 */
export class LoadConnection {
  /** Latency origin per message in flight: the intended send time with --rate, else the actual one. */
  private readonly origins: Ring;
  /** Actual send times, for the per-message deadline. */
  private readonly sentAt: Ring;
  /** Rate mode: intended send times that are due but wait for a free slot. */
  private pending: number[] = [];
  private pendingHead = 0;
  private state: 'open' | 'closing' | 'done' = 'open';
  echoes = 0;
  sent = 0;

  constructor(
    readonly ws: WebSocket,
    private readonly payload: Buffer | string,
    private readonly expected: Buffer,
    private readonly binary: boolean,
    private readonly pipeline: number,
    private readonly driver: Driver,
    private readonly marker: string | undefined,
  ) {
    this.origins = new Ring(pipeline);
    this.sentAt = new Ring(pipeline);
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
  }

  get open(): boolean {
    return this.state === 'open';
  }

  get inFlight(): number {
    return this.origins.length;
  }

  get backlog(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Closed loop: fill every free slot while the run hands out tickets. */
  fill(): void {
    while (this.state === 'open' && this.origins.length < this.pipeline && this.driver.ticket()) {
      const now = performance.now();
      this.transmit(now, now);
    }
  }

  /** Open loop: a message became due at `intendedAt`; it is sent now if a slot is free. */
  enqueue(intendedAt: number): void {
    this.pending.push(intendedAt);
    this.flushPending();
  }

  /** Age (ms) of the oldest unanswered send: the run's watchdog compares it with the deadline. */
  oldestAge(now: number): number {
    return this.sentAt.length ? now - this.sentAt.peek() : 0;
  }

  /** Forget rate-mode sends that never left: the run is stopping. Returns how many. */
  dropBacklog(): number {
    const n = this.backlog;
    this.pending = [];
    this.pendingHead = 0;
    return n;
  }

  /** Fails the connection with `v` and tears it down at once (deadline missed, mismatch). */
  fail(v: Verdict): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.driver.failed(this, v);
    this.ws.terminate();
  }

  /** The close handshake, bounded by `timeoutMs` (closeHandshake destroys the socket at the deadline). */
  async close(timeoutMs: number): Promise<CloseOutcome | undefined> {
    if (this.state !== 'open') return undefined;
    this.state = 'closing';
    const outcome = await closeHandshake(this.ws, timeoutMs);
    this.state = 'done';
    return outcome;
  }

  private transmit(origin: number, now: number): void {
    this.origins.push(origin);
    this.sentAt.push(now);
    this.sent++;
    this.ws.send(this.payload, { binary: this.binary });
  }

  private flushPending(): void {
    while (this.state === 'open' && this.origins.length < this.pipeline && this.pendingHead < this.pending.length) {
      this.transmit(this.pending[this.pendingHead++]!, performance.now());
    }
    if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private readonly onMessage = (data: RawData, isBinary: boolean): void => {
    if (this.state !== 'open' && this.state !== 'closing') return;
    if (this.origins.length === 0) {
      this.fail(verdict('echo-mismatch', 'a message arrived that was never sent', ['the server sends messages of its own, so it is not an echo server']));
      return;
    }
    const got = bufferOf(data);
    if (isBinary !== this.binary || !got.equals(this.expected)) {
      const what = isBinary !== this.binary ? `sent a ${this.binary ? 'binary' : 'text'} message, got a ${isBinary ? 'binary' : 'text'} one` : `sent ${this.expected.length} B, got ${got.length} B that differ`;
      this.fail(verdict('echo-mismatch', `echo ${this.echoes + 1} on this connection differs from what was sent`, [what]));
      return;
    }
    const origin = this.origins.shift();
    this.sentAt.shift();
    this.echoes++;
    this.driver.replied(performance.now() - origin);
    if (this.state !== 'open') return;
    if (this.pendingHead < this.pending.length) this.flushPending();
    else this.fill();
  };

  private readonly onClose = (code: number, reason: Buffer): void => {
    if (this.state !== 'open') return;
    this.state = 'done';
    this.driver.failed(this, diagnoseClose(this.context(code, reason.toString())));
  };

  private readonly onError = (err: Error & { code?: string }): void => {
    if (this.state !== 'open') return;
    this.state = 'done';
    this.driver.failed(this, diagnoseClose({ ...this.context(1006, err.message), errorCode: err.code }));
    this.ws.terminate();
  };

  private context(code: number, reason: string) {
    return {
      code, reason, during: `message ${this.echoes + 1}`, marker: this.marker, extensions: this.ws.extensions,
      echoes: () => this.echoes, sentBytes: this.expected.length,
    };
  }
}
