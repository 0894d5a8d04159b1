import { Transform, type TransformCallback } from 'node:stream';
import { createFrameError, FrameError } from '../../protocol/frame-error.js';
import { DEFAULT_MAX_PAYLOAD } from '../../protocol/frame-parser.js';
import { Opcode, isControl, isReservedOpcode, type Frame } from '../../protocol/frame.js';
import { applyMask } from '../../protocol/mask.js';

/**
 * What to do with one frame: forward these bytes (maybe edited), or drop it (null). A control
 * frame (≤ 125 B, RFC 6455 §5.5) arrives whole; a data frame arrives as its header alone (`raw`
 * is the header, `frame.payload` is empty) and its payload follows the decision: forwarded as
 * it streams in, or dropped with the frame.
 */
export type FrameHandler = (frame: Frame, raw: Buffer) => Buffer | null;

export interface FrameStageOptions {
  /** Max frame / fragmented-message payload; beyond it `onTooBig` runs. Default 16 MiB. */
  maxPayload?: number;
  /** A frame (or message) over maxPayload: the stage forwards nothing from it on. */
  onTooBig?: (err: FrameError) => void;
}

/** Longest frame header: 2 + 8 (64-bit length) + 4 (mask). */
const MAX_HEADER = 14;

/**
 * A stage for frame-aware faults (drop-close, drop-pong, corrupt-rsv1, max-message): it finds
 * frame boundaries and hands each frame to `handle`, so a fault can edit or drop exactly one
 * frame, and `inject` lands between frames, never inside one. It holds at most one header and
 * one control frame (139 B): data payloads stream through as they arrive, so a peer declaring a
 * 3 GiB frame costs the hop nothing (a proxy that buffered whole frames would be a memory bomb).
 *
 * On bytes that are not valid frames it stops interpreting and passes everything through
 * unchanged: a fault must not turn a peer's protocol error into silent data loss.
 */
export class FrameStage extends Transform {
  readonly #handle: FrameHandler;
  readonly #onTooBig: ((err: FrameError) => void) | undefined;
  readonly #maxPayload: number;
  #mode: 'frames' | 'blind' | 'halted' = 'frames';
  /** Bytes of the header (or whole control frame) not yet decided on. */
  #held: Buffer = Buffer.alloc(0);
  /** Payload bytes of the current data frame still to come, and whether they go on. */
  #payloadLeft = 0;
  #forwardPayload = true;
  /** Fragmented message in progress (§5.4) and its payload so far. */
  #messageOpen = false;
  #messageLength = 0;
  /** Injections that arrived while a data frame was streaming through, and a halt after them. */
  #queued: Buffer[] = [];
  #haltAfterQueue: boolean | undefined;
  #applies: () => boolean = () => true;

  constructor(handle: FrameHandler, opts: FrameStageOptions = {}) {
    super();
    this.#handle = handle;
    this.#onTooBig = opts.onTooBig;
    this.#maxPayload = opts.maxPayload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** A per-frame fault with toxicity < 1: `applies()` decides frame by frame; a frame it skips passes unchanged. */
  sample(applies: () => boolean): void {
    this.#applies = applies;
  }

  /** Sends `bytes` between two frames: now, or when the data frame streaming through ends. */
  inject(bytes: Buffer): void {
    if (this.destroyed) return;
    if (this.#payloadLeft > 0 && this.#mode === 'frames') this.#queued.push(bytes);
    else this.push(bytes);
  }

  /**
   * Stops forwarding for good (after any queued injection). With `end` (the default) the stream
   * ends too, which ends the next stage and then the socket (FIN); without, later bytes are
   * swallowed and the socket stays.
   */
  halt(end = true): void {
    if (this.#mode === 'halted') return;
    if (this.#queued.length) {
      this.#haltAfterQueue = end;
      return;
    }
    this.#mode = 'halted';
    this.#held = Buffer.alloc(0);
    if (end && !this.destroyed) this.push(null);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.#mode === 'blind') this.push(chunk);
    else if (this.#mode === 'frames') this.#frames(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A frame cut short by the peer's FIN: pass what we have, the next hop sees the truncation.
    if (this.#mode !== 'halted' && this.#held.length) this.push(this.#held);
    this.#held = Buffer.alloc(0);
    callback();
  }

  #frames(chunk: Buffer): void {
    while (chunk.length && this.#mode === 'frames') {
      if (this.#payloadLeft > 0) {
        const n = Math.min(chunk.length, this.#payloadLeft);
        if (this.#forwardPayload) this.push(chunk.subarray(0, n));
        this.#payloadLeft -= n;
        chunk = chunk.subarray(n);
        if (this.#payloadLeft === 0) this.#betweenFrames();
        continue;
      }
      this.#held = this.#held.length ? Buffer.concat([this.#held, chunk]) : chunk;
      chunk = Buffer.alloc(0);
      let err: FrameError | undefined;
      let rest: Buffer | undefined;
      try {
        rest = this.#header();
      } catch (e) {
        if (!(e instanceof FrameError)) throw e;
        err = e;
      }
      if (err) return this.#invalid(err);
      if (rest === undefined) {
        // Not a whole header (or control frame) yet: keep a copy, the chunk is not ours to pin.
        this.#held = Buffer.from(this.#held);
        return;
      }
      chunk = rest;
    }
  }

  /** Decides on the frame at the start of #held; returns the bytes after what it took, or undefined when short. */
  #header(): Buffer | undefined {
    const h = this.#held;
    if (h.length < 2) return undefined;
    const b0 = h[0]!, b1 = h[1]!;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;
    if (isReservedOpcode(opcode)) throw createFrameError('WS_ERR_RESERVED_OPCODE', `0x${opcode.toString(16)}`);
    const control = isControl(opcode);
    if (control && (!(b0 & 0x80) || len7 > 125)) throw createFrameError(len7 > 125 ? 'WS_ERR_CONTROL_TOO_LONG' : 'WS_ERR_CONTROL_FRAGMENTED');
    if (!control && opcode === Opcode.CONTINUATION && !this.#messageOpen) throw createFrameError('WS_ERR_UNEXPECTED_CONTINUATION');
    if (!control && opcode !== Opcode.CONTINUATION && this.#messageOpen) throw createFrameError('WS_ERR_EXPECTED_CONTINUATION');
    const extra = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
    const headerLength = 2 + extra + (masked ? 4 : 0);
    if (h.length < headerLength) return undefined;
    let length = len7;
    if (len7 === 126) length = h.readUInt16BE(2);
    else if (len7 === 127) {
      const high = h.readUInt32BE(2);
      if (high & 0x80000000) throw createFrameError('WS_ERR_BAD_LENGTH');
      length = high * 0x100000000 + h.readUInt32BE(6);
    }
    const total = !control && opcode === Opcode.CONTINUATION ? this.#messageLength + length : length;
    if (total > this.#maxPayload) throw createFrameError('WS_ERR_PAYLOAD_TOO_BIG', `${total} bytes, limit ${this.#maxPayload}`);
    const mask = masked ? Buffer.from(h.subarray(2 + extra, headerLength)) : undefined;
    const frame: Frame = {
      fin: (b0 & 0x80) !== 0, rsv1: (b0 & 0x40) !== 0, rsv2: (b0 & 0x20) !== 0, rsv3: (b0 & 0x10) !== 0,
      opcode, masked, payload: Buffer.alloc(0), headerLength, payloadLength: length,
    };
    if (mask) frame.mask = mask;
    if (control) {
      if (h.length < headerLength + length) return undefined;
      const payload = Buffer.from(h.subarray(headerLength, headerLength + length));
      if (mask) applyMask(payload, mask, payload, 0, length);
      frame.payload = payload;
      const raw = Buffer.from(h.subarray(0, headerLength + length));
      const out = this.#applies() ? this.#handle(frame, raw) : raw;
      if (out && this.#mode === 'frames') this.push(out);
      this.#held = Buffer.alloc(0);
      return h.subarray(headerLength + length);
    }
    this.#messageOpen = !frame.fin;
    this.#messageLength = frame.fin ? 0 : total;
    const raw = Buffer.from(h.subarray(0, headerLength));
    const out = this.#applies() ? this.#handle(frame, raw) : raw;
    this.#forwardPayload = out !== null;
    if (out && this.#mode === 'frames') this.push(out);
    this.#payloadLeft = length;
    this.#held = Buffer.alloc(0);
    if (length === 0) this.#betweenFrames();
    return h.subarray(headerLength);
  }

  #betweenFrames(): void {
    for (const b of this.#queued) this.push(b);
    this.#queued = [];
    if (this.#haltAfterQueue !== undefined) this.halt(this.#haltAfterQueue);
  }

  #invalid(err: FrameError): void {
    if (err.code === 'WS_ERR_PAYLOAD_TOO_BIG' && this.#onTooBig) {
      // The oversized frame is the fault's business: nothing of it (or after it) goes on, and
      // no FIN either, so the other side cannot close the tunnel before the fault is done.
      this.halt(false);
      this.#onTooBig(err);
      return;
    }
    this.#mode = 'blind';
    this.push(this.#held);
    this.#held = Buffer.alloc(0);
  }
}
