import { Transform, type TransformCallback } from 'node:stream';
import { FrameParser } from '../../protocol/frame-parser.js';
import { FrameError } from '../../protocol/frame-error.js';
import type { Frame } from '../../protocol/frame.js';

/** What to do with one whole frame: forward these bytes (maybe edited), or drop it (null). */
export type FrameHandler = (frame: Frame, raw: Buffer) => Buffer | null;

export interface FrameStageOptions {
  /** Max frame / fragmented-message payload; beyond it `onTooBig` runs. Default: the parser's 16 MiB. */
  maxPayload?: number;
  /** A frame (or message) over maxPayload: the stage forwards nothing from it on. */
  onTooBig?: (err: FrameError) => void;
}

/**
 * A stage for frame-aware faults (drop-close, drop-pong, corrupt-rsv1, max-message): it holds
 * bytes until a frame is complete and hands the whole frame to `handle`, so a fault can edit or
 * drop exactly one frame, and `inject` lands between frames, never inside one. Like a proxy that
 * parses WebSocket (Easegress, Envoy with a ws filter), it delays data by at most one frame.
 *
 * On bytes that are not valid frames it stops interpreting and passes everything through
 * unchanged: a fault must not turn a peer's protocol error into silent data loss.
 */
export class FrameStage extends Transform {
  readonly #parser: FrameParser;
  readonly #handle: FrameHandler;
  readonly #onTooBig: ((err: FrameError) => void) | undefined;
  /** Raw bytes fed to the parser that no completed frame has claimed yet. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #mode: 'frames' | 'blind' | 'halted' = 'frames';
  #applies: () => boolean = () => true;

  constructor(handle: FrameHandler, opts: FrameStageOptions = {}) {
    super();
    this.#handle = handle;
    this.#onTooBig = opts.onTooBig;
    this.#parser = new FrameParser({ allowRsv: true, ...(opts.maxPayload !== undefined ? { maxPayload: opts.maxPayload } : {}) });
  }

  /** A per-frame fault with toxicity < 1: `applies()` decides frame by frame; a frame it skips passes unchanged. */
  sample(applies: () => boolean): void {
    this.#applies = applies;
  }

  /** Sends `bytes` now, between two frames (this stage only ever emits whole frames). */
  inject(bytes: Buffer): void {
    if (!this.destroyed) this.push(bytes);
  }

  /**
   * Stops forwarding for good. With `end` (the default) the stream ends too, which ends the next
   * stage and then the socket (FIN); without, later bytes are swallowed and the socket stays.
   */
  halt(end = true): void {
    if (this.#mode === 'halted') return;
    this.#mode = 'halted';
    this.#pending = [];
    if (end && !this.destroyed) this.push(null);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    if (this.#mode === 'halted') return callback();
    if (this.#mode === 'blind') {
      this.push(chunk);
      return callback();
    }
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    try {
      this.#parser.feed(chunk, (frame) => this.#onFrame(frame));
    } catch (err) {
      if (!(err instanceof FrameError)) return callback(err as Error);
      if (err.code === 'WS_ERR_PAYLOAD_TOO_BIG' && this.#onTooBig) {
        // The oversized frame is the fault's business: nothing of it (or after it) goes on, and
        // no FIN either, so the other side cannot close the tunnel before the fault is done.
        this.halt(false);
        this.#onTooBig(err);
        return callback();
      }
      this.#mode = 'blind';
      for (const b of this.#pending) this.push(b);
      this.#pending = [];
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // A frame cut short by the peer's FIN: pass what we have, the next hop sees the truncation.
    if (this.#mode !== 'halted') for (const b of this.#pending) this.push(b);
    this.#pending = [];
    callback();
  }

  #onFrame(frame: Frame): void {
    if (this.#mode !== 'frames') return;
    const raw = this.#take(frame.headerLength + frame.payloadLength);
    const out = this.#applies() ? this.#handle(frame, raw) : raw;
    if (out && this.#mode === 'frames') this.push(out);
  }

  #take(n: number): Buffer {
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    // Copy: the frame's bytes may be edited by the handler, and the caller's chunk is not ours.
    const raw = Buffer.from(all.subarray(0, n));
    const rest = all.subarray(n);
    this.#pending = rest.length ? [rest] : [];
    this.#pendingBytes = rest.length;
    return raw;
  }
}
