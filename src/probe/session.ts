/**
 * One raw WebSocket connection after the 101, driven frame by frame with our own encoder and
 * parser so a check can send what a library never would (reserved opcodes, unmasked frames,
 * bad UTF-8) and see exactly what comes back, when, and how the TCP connection ends.
 *
 * The session owns its socket: `destroy()` is the one cleanup point, and every wait takes a
 * deadline. Nothing is answered behind the check's back except pings (autoPong) and the
 * peer's close (autoCloseReply), and both can be switched off.
 */
import type { Socket } from 'node:net';
import { encodeClose, encodeFrame, type EncodeFrameOptions } from '../protocol/frame-encoder.js';
import { FrameParser } from '../protocol/frame-parser.js';
import { FrameError } from '../protocol/frame-error.js';
import { Opcode, type Frame } from '../protocol/frame.js';
import { parseClosePayload } from '../protocol/close-codes.js';
import { compressMessage, MessageInflater, type DeflateParams } from './deflate.js';
import type { ResponseHead } from './http-head.js';

export interface Message {
  opcode: number;
  payload: Buffer;
  compressed: boolean;
  /** How many frames carried it. */
  frames: number;
  at: number;
}

export type End = { end: 'timeout' } | { end: 'closed' } | { end: 'invalid'; error: string };

export interface Control {
  payload: Buffer;
  at: number;
}

export interface CloseFrameSeen {
  /** 1005 when the close frame had no body (RFC 6455 §7.1.5). */
  code: number;
  reason: string;
  at: number;
}

export interface SessionInit {
  socket: Socket;
  head: ResponseHead;
  key: string;
  /** Bytes that arrived right behind the 101 head. */
  leftover: Buffer;
  upgradeMs: number;
  maxPayload: number;
  deflate?: DeflateParams | undefined;
}

export class Session {
  readonly head: ResponseHead;
  readonly key: string;
  readonly upgradeMs: number;
  readonly deflate: DeflateParams | undefined;
  /** performance.now() when the 101 was read. */
  readonly openedAt = performance.now();
  autoPong = true;
  autoCloseReply = true;

  readonly messages: Message[] = [];
  readonly pings: Control[] = [];
  readonly pongs: Control[] = [];
  closeFrame: CloseFrameSeen | undefined;
  closeSentAt: number | undefined;
  /** The peer's FIN. */
  peerEndAt: number | undefined;
  /** The socket is gone (FIN, reset, or our destroy()). */
  closedAt: number | undefined;
  socketError: string | undefined;
  /** The peer broke the framing (or sent RSV1 without deflate): the stream cannot be read further. */
  invalid: string | undefined;
  lastActivityAt = performance.now();
  /** Idle age (since the last byte either way) when the peer's close frame or TCP end arrived. */
  idleMsAtEnd: number | undefined;
  destroyedByUs = false;

  readonly #socket: Socket;
  readonly #parser: FrameParser;
  readonly #inflater: MessageInflater | undefined;
  readonly #waiters = new Set<() => void>();
  #fragments: Frame[] = [];
  #inflating = 0;
  #order: Promise<void> = Promise.resolve();
  #activityBefore = this.lastActivityAt;

  constructor(init: SessionInit) {
    this.head = init.head;
    this.key = init.key;
    this.upgradeMs = init.upgradeMs;
    this.deflate = init.deflate;
    this.#socket = init.socket;
    this.#parser = new FrameParser({ expectMasked: false, maxPayload: init.maxPayload, allowRsv: true });
    this.#inflater = init.deflate ? new MessageInflater(init.deflate, init.maxPayload) : undefined;
    const socket = init.socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.#onError(err));
    socket.on('close', () => this.#onClose());
    if (init.leftover.length) this.#onData(init.leftover);
    socket.resume();
  }

  get closed(): boolean {
    return this.closedAt !== undefined;
  }

  /**
   * What a WebSocket API would report as the close code: the peer's close frame, 1006 when TCP
   * went away without one (RFC 6455 §7.1.5), undefined while still open.
   */
  get closeCode(): number | undefined {
    if (this.closeFrame) return this.closeFrame.code;
    return this.closed || this.peerEndAt !== undefined ? 1006 : undefined;
  }

  /** Raw bytes, no framing: for checks that build their own frames. */
  send(bytes: Buffer): boolean {
    if (this.#socket.destroyed || !this.#socket.writable) return false;
    this.lastActivityAt = performance.now();
    this.#socket.write(bytes);
    return true;
  }

  /** A frame, masked with a fresh random key unless the options say otherwise (§5.3). */
  sendFrame(opts: EncodeFrameOptions): boolean {
    return this.send(encodeFrame({ mask: true, ...opts }));
  }

  /** One unfragmented data message; compressed (RSV1) when asked and deflate was negotiated. */
  sendMessage(data: Buffer | string, binary: boolean, compress = false): boolean {
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const deflate = compress ? this.deflate : undefined;
    const wire = deflate ? compressMessage(payload, deflate) : payload;
    return this.sendFrame({ opcode: binary ? Opcode.BINARY : Opcode.TEXT, payload: wire, rsv1: Boolean(deflate) });
  }

  sendClose(code = 1000, reason = ''): boolean {
    if (this.closeSentAt !== undefined) return false;
    this.closeSentAt = performance.now();
    return this.send(encodeClose(code, reason, true));
  }

  /**
   * Resolves with `probe()`'s first defined value, or undefined after `ms` — or at once when
   * the socket is gone and nothing is still being inflated, since nothing more can arrive.
   */
  until<T>(probe: () => T | undefined, ms: number): Promise<T | undefined> {
    const settled = () => this.closed && this.#inflating === 0;
    const now = probe();
    if (now !== undefined || settled()) return Promise.resolve(now);
    return new Promise((resolve) => {
      const done = (v: T | undefined) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(v);
      };
      const check = () => {
        const v = probe();
        if (v !== undefined || settled()) done(v);
      };
      const timer = setTimeout(() => done(undefined), Math.max(0, ms));
      this.#waiters.add(check);
    });
  }

  /** The next complete data message, or why none will come within `ms`. */
  async nextMessage(ms: number): Promise<Message | End> {
    const got = await this.until<Message | End>(() => {
      const m = this.messages.shift();
      if (m) return m;
      if (this.#inflating > 0) return undefined;
      if (this.invalid !== undefined) return { end: 'invalid', error: this.invalid };
      if (this.closeFrame || this.closed || this.peerEndAt !== undefined) return { end: 'closed' };
      return undefined;
    }, ms);
    return got ?? { end: 'timeout' };
  }

  /** The first pong (after index `from`) whose payload equals `payload`. */
  waitPong(payload: Buffer, ms: number, from = 0): Promise<Control | undefined> {
    return this.until(() => this.pongs.slice(from).find((p) => p.payload.equals(payload)), ms);
  }

  waitCloseFrame(ms: number): Promise<CloseFrameSeen | undefined> {
    return this.until(() => this.closeFrame, ms);
  }

  /** Resolves with the time the peer ended TCP (FIN or reset), or undefined after `ms`. */
  waitTcpEnd(ms: number): Promise<number | undefined> {
    return this.until(() => this.peerEndAt ?? this.closedAt, ms);
  }

  /** Close handshake from our side (§7.1.2), then destroy whatever happened. For healthy endings. */
  async closeGracefully(ms: number): Promise<void> {
    this.autoCloseReply = false;
    this.sendClose(1000, 'wstrace probe done');
    await this.waitTcpEnd(ms);
    this.destroy();
  }

  destroy(): void {
    if (!this.#socket.destroyed) this.destroyedByUs = this.closedAt === undefined;
    this.#socket.destroy();
    this.#inflater?.close();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #onData(chunk: Buffer): void {
    this.#activityBefore = this.lastActivityAt;
    this.lastActivityAt = performance.now();
    if (this.invalid !== undefined) return;
    try {
      this.#parser.feed(chunk, (frame) => this.#onFrame(frame));
    } catch (err) {
      this.invalid = err instanceof FrameError ? `${err.code}: ${err.message}` : String(err);
    }
    this.#notify();
  }

  #onFrame(frame: Frame): void {
    const at = performance.now();
    switch (frame.opcode) {
      case Opcode.PING:
        this.pings.push({ payload: frame.payload, at });
        if (this.autoPong && this.closeSentAt === undefined) this.sendFrame({ opcode: Opcode.PONG, payload: frame.payload });
        return;
      case Opcode.PONG:
        this.pongs.push({ payload: frame.payload, at });
        return;
      case Opcode.CLOSE: {
        const body = parseClosePayload(frame.payload);
        this.idleMsAtEnd ??= at - this.#activityBefore;
        this.closeFrame ??= { code: body.code ?? 1005, reason: body.reason, at };
        if (this.autoCloseReply) this.sendClose(body.code ?? 1000);
        return;
      }
      default:
        this.#onDataFrame(frame, at);
    }
  }

  #onDataFrame(frame: Frame, at: number): void {
    this.#fragments.push(frame);
    if (!frame.fin) return;
    const frames = this.#fragments;
    this.#fragments = [];
    const first = frames[0]!;
    const payload = frames.length === 1 ? first.payload : Buffer.concat(frames.map((f) => f.payload));
    if (!first.rsv1) {
      this.messages.push({ opcode: first.opcode, payload, compressed: false, frames: frames.length, at });
      return;
    }
    const inflater = this.#inflater;
    if (!inflater) {
      this.invalid = 'RSV1 set on a message although permessage-deflate was not negotiated (RFC 6455 §5.2)';
      return;
    }
    // Inflation is asynchronous; chain it so messages stay in arrival order.
    this.#inflating++;
    this.#order = this.#order.then(
      () => inflater.inflate(payload).then(
        (plain) => void this.messages.push({ opcode: first.opcode, payload: plain, compressed: true, frames: frames.length, at }),
        (err: Error) => void (this.invalid = `cannot inflate a compressed message: ${err.message}`),
      ),
    ).finally(() => {
      this.#inflating--;
      this.#notify();
    });
  }

  #markEnd(): void {
    this.idleMsAtEnd ??= performance.now() - this.lastActivityAt;
  }

  #onEnd(): void {
    this.#markEnd();
    this.peerEndAt ??= performance.now();
    this.#notify();
  }

  #onError(err: NodeJS.ErrnoException): void {
    this.socketError ??= err.code ?? err.message;
    this.#markEnd();
    this.peerEndAt ??= performance.now();
    this.#notify();
  }

  #onClose(): void {
    if (!this.destroyedByUs) this.#markEnd();
    this.closedAt ??= performance.now();
    this.#inflater?.close();
    this.#notify();
  }
}
