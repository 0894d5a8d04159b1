/**
 * A pass-through Transform that observes WebSocket frames on one direction
 * of a proxied connection (`--trace-frames`).
 *
 * The data path is sacred: every chunk is forwarded unchanged and at once,
 * before parsing, so tracing can never delay, alter or break the stream.
 * Parsing is best-effort: on the first invalid frame the tap reports it and
 * goes blind for the rest of the connection (the frame boundaries are lost).
 */
import { Transform, type TransformCallback } from 'node:stream';
import { FrameError } from './frame-error.js';
import { FrameParser, type FrameParserOptions } from './frame-parser.js';
import type { Frame } from './frame.js';

export interface FrameTap {
  on(event: 'frame', listener: (frame: Frame) => void): this;
  on(event: 'frame-error', listener: (error: FrameError) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'frame', listener: (frame: Frame) => void): this;
  once(event: 'frame-error', listener: (error: FrameError) => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * The tap without the stream: `feed` each chunk of one direction (after it was passed on) and
 * hear of every frame, or of the one error after which it stops parsing. The proxy's
 * `--trace-frames` uses it as an observer on the tunnel, so tracing adds no stream layer.
 */
export class FrameWatch {
  readonly #parser: FrameParser;
  #failed = false;

  constructor(parserOptions: FrameParserOptions, private readonly onFrame: (frame: Frame) => void, private readonly onError: (error: FrameError) => void) {
    this.#parser = new FrameParser(parserOptions);
  }

  get parser(): FrameParser {
    return this.#parser;
  }

  feed(chunk: Buffer): void {
    if (this.#failed) return;
    const frames: Frame[] = [];
    let error: FrameError | undefined;
    try {
      this.#parser.feed(chunk, (frame) => frames.push(frame));
    } catch (err) {
      // The parser throws only FrameError (fuzz-tested); anything else is a
      // bug in this code and should be loud rather than silently swallowed.
      if (!(err instanceof FrameError)) throw err;
      this.#failed = true;
      error = err;
    }
    for (const frame of frames) this.onFrame(frame);
    if (error) this.onError(error);
  }
}

export class FrameTap extends Transform {
  /** Free-form label for logs, e.g. 'client→server'. */
  readonly direction: string;
  readonly #watch: FrameWatch;
  #parser: FrameParser;

  constructor(direction: string, parserOptions: FrameParserOptions = {}) {
    super();
    this.direction = direction;
    this.#watch = new FrameWatch(parserOptions, (frame) => this.emit('frame', frame), (error) => this.emit('frame-error', error));
    this.#parser = this.#watch.parser;
  }

  /** Bytes of an incomplete frame; non-zero at 'end' means a truncated frame. */
  get pendingBytes(): number {
    return this.#parser.bufferedBytes;
  }

  /** True when the stream is inside a fragmented message. */
  get messageOpen(): boolean {
    return this.#parser.messageOpen;
  }

  /** The parse error, once one has happened. */
  get frameError(): FrameError | null {
    return this.#parser.error;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    // Forward first: observers must never sit on the data path.
    this.push(chunk);
    callback();
    this.#watch.feed(chunk);
  }
}
