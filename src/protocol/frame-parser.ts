/**
 * Incremental RFC 6455 frame parser.
 *
 * A state machine over a list of buffered chunks: each state needs a fixed
 * number of bytes, returns early when they are not there yet and resumes on
 * the next push, so input split at any byte boundary parses identically.
 * Bytes are copied only when a step's bytes straddle chunks.
 *
 * It is a plain class, not a stream, so a proxy tap can feed it copies of
 * traffic without ever being able to stall or alter the real stream.
 */
import { constants as bufferConstants, isUtf8 } from 'node:buffer';
import { parseClosePayload } from './close-codes.js';
import { createFrameError, FrameError } from './frame-error.js';
import { Opcode, isControl, isReservedOpcode, type Frame } from './frame.js';
import { applyMask } from './mask.js';

export interface FrameParserOptions {
  /**
   * true: frames must be masked (we are reading client → server, §5.1);
   * false: frames must not be masked (server → client);
   * undefined: accept both, e.g. a tap that does not know the direction.
   */
  expectMasked?: boolean | undefined;
  /** Max frame length and max fragmented-message length. 0 or Infinity = no limit. */
  maxPayload?: number;
  /** Check text messages are UTF-8 (§8.1). Off by default: taps must not reject. */
  validateUtf8?: boolean;
  /** Accept RSV1-3 (e.g. permessage-deflate sets RSV1). Defaults to true. */
  allowRsv?: boolean;
  /**
   * Count data-frame payloads and drop them instead of buffering them: frames come out with an
   * empty `payload` (control frames keep theirs, at most 125 B). Memory stays bounded whatever a
   * peer declares, so a tracer can follow a 3 GiB frame. No UTF-8 check is possible then.
   */
  discardData?: boolean;
}

export const DEFAULT_MAX_PAYLOAD = 16 * 1024 * 1024;

const GET_INFO = 0, GET_PAYLOAD_LENGTH_16 = 1, GET_PAYLOAD_LENGTH_64 = 2, GET_MASK = 3, GET_DATA = 4;
type State = 0 | 1 | 2 | 3 | 4;

const NO_MESSAGE = -1;
const EMPTY = Buffer.alloc(0);

export class FrameParser {
  readonly expectMasked: boolean | undefined;
  readonly maxPayload: number;
  readonly validateUtf8: boolean;
  readonly allowRsv: boolean;
  readonly discardData: boolean;

  #buffers: Buffer[] = [];
  #buffered = 0;
  /** Header bytes of the unfinished frame already taken off #buffers. */
  #headerRead = 0;
  #state: State = GET_INFO;
  #error: FrameError | null = null;

  // Header of the frame currently being read (#b0 = FIN, RSV1-3, opcode).
  #b0 = 0;
  #opcode = 0;
  #masked = false;
  #mask: Buffer | undefined;
  #payloadLength = 0;
  #headerLength = 0;
  /** discardData: payload bytes of the current data frame already counted and dropped. */
  #discarded = 0;

  // Fragmented-message state (§5.4): opcode of the open message, if any.
  #messageOpcode = NO_MESSAGE;
  #messageLength = 0;
  #messageCompressed = false;
  #decoder: TextDecoder | undefined;

  constructor(options: FrameParserOptions = {}) {
    this.expectMasked = options.expectMasked;
    const max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    if (!(max >= 0)) throw new RangeError(`maxPayload must be >= 0, got ${max}`);
    this.maxPayload = max === 0 ? Infinity : max;
    this.validateUtf8 = options.validateUtf8 ?? false;
    this.allowRsv = options.allowRsv ?? true;
    this.discardData = options.discardData ?? false;
    if (this.discardData && this.validateUtf8) throw new RangeError('validateUtf8 needs the payload: it cannot combine with discardData');
  }

  /**
   * Bytes received but not yet part of a returned frame, including the
   * header of a frame still waiting for its payload: non-zero at end of
   * stream means the peer (or a proxy) cut a frame short.
   */
  get bufferedBytes(): number { return this.#buffered + this.#headerRead + this.#discarded; }

  /** True between the first and the final fragment of a data message. */
  get messageOpen(): boolean { return this.#messageOpcode !== NO_MESSAGE; }

  /** The error that killed this parser, if any. */
  get error(): FrameError | null { return this.#error; }

  /** Feed bytes; returns the frames completed by them (possibly none). */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.feed(chunk, (frame) => frames.push(frame));
    return frames;
  }

  /**
   * Like push(), but hands each frame to `onFrame` as soon as it completes,
   * so frames that precede an invalid one in the same chunk are not lost
   * when the FrameError is thrown.
   */
  feed(chunk: Buffer, onFrame: (frame: Frame) => void): void {
    // An invalid frame desynchronises the byte stream for good (§7.1.7:
    // the connection must be failed), so the parser stays dead.
    if (this.#error) throw this.#error;
    if (chunk.length > 0) {
      this.#buffers.push(chunk);
      this.#buffered += chunk.length;
    }
    try {
      this.#run(onFrame);
    } catch (err) {
      if (err instanceof FrameError) {
        this.#error = err;
        this.#buffers = [];
        this.#buffered = 0;
        this.#headerRead = 0;
        this.#discarded = 0;
      }
      throw err;
    }
  }

  #run(onFrame: (frame: Frame) => void): void {
    // Each step returns false when it lacks bytes: wait for the next push.
    for (let more = true; more; ) {
      switch (this.#state) {
        case GET_INFO: more = this.#getInfo(); break;
        case GET_PAYLOAD_LENGTH_16: more = this.#getPayloadLength16(); break;
        case GET_PAYLOAD_LENGTH_64: more = this.#getPayloadLength64(); break;
        case GET_MASK: more = this.#getMask(); break;
        case GET_DATA: {
          const frame = this.#getData();
          if (frame) onFrame(frame);
          more = frame !== null;
        }
      }
    }
  }

  /** Remove and return the next `n` bytes; caller ensures they are buffered. */
  #consume(n: number): Buffer {
    this.#buffered -= n;
    const first = this.#buffers[0]!;
    if (n === first.length) {
      this.#buffers.shift();
      return first;
    }
    if (n < first.length) {
      this.#buffers[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    // Straddles chunks: one copy, and a single splice so byte-by-byte input
    // does not turn into quadratic shift() calls.
    const out = Buffer.allocUnsafe(n);
    let offset = 0;
    let used = 0;
    while (offset < n) {
      const buf = this.#buffers[used]!;
      const take = Math.min(buf.length, n - offset);
      buf.copy(out, offset, 0, take);
      offset += take;
      if (take === buf.length) used++;
      else this.#buffers[used] = buf.subarray(take);
    }
    this.#buffers.splice(0, used);
    return out;
  }

  /** Drop the next `n` buffered bytes without copying them. */
  #skip(n: number): void {
    this.#buffered -= n;
    while (n > 0) {
      const first = this.#buffers[0]!;
      if (n < first.length) {
        this.#buffers[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.#buffers.shift();
    }
  }

  #getInfo(): boolean {
    if (this.#buffered < 2) return false;
    const head = this.#consume(2);
    this.#headerRead = 2;
    const b0 = (this.#b0 = head[0]!);
    const b1 = head[1]!;
    const opcode = (this.#opcode = b0 & 0x0f);
    this.#masked = (b1 & 0x80) !== 0;
    const len7 = b1 & 0x7f;

    // §5.2: RSV bits MUST be 0 unless an extension defines them.
    if (!this.allowRsv && (b0 & 0x70) !== 0) {
      throw createFrameError('WS_ERR_RSV_SET', `0x${((b0 & 0x70) >> 4).toString(16)}`);
    }
    // §5.2: reserved opcodes MUST fail the connection.
    if (isReservedOpcode(opcode)) throw createFrameError('WS_ERR_RESERVED_OPCODE', `0x${opcode.toString(16)}`);
    if (isControl(opcode)) {
      // §5.5: control frames MUST NOT be fragmented and fit in 125 bytes,
      // so the 7-bit length field alone can tell (126/127 mean "longer").
      if (!(b0 & 0x80)) throw createFrameError('WS_ERR_CONTROL_FRAGMENTED');
      if (len7 > 125) throw createFrameError('WS_ERR_CONTROL_TOO_LONG');
    } else if (opcode === Opcode.CONTINUATION) {
      // §5.4: continuation only makes sense inside an open message.
      if (this.#messageOpcode === NO_MESSAGE) throw createFrameError('WS_ERR_UNEXPECTED_CONTINUATION');
    } else if (this.#messageOpcode !== NO_MESSAGE) {
      // §5.4: fragments of different messages MUST NOT interleave.
      throw createFrameError('WS_ERR_EXPECTED_CONTINUATION');
    }
    // §5.1: client → server frames are masked, server → client are not.
    if (this.expectMasked === true && !this.#masked) throw createFrameError('WS_ERR_MASK_REQUIRED');
    if (this.expectMasked === false && this.#masked) throw createFrameError('WS_ERR_MASK_FORBIDDEN');

    if (len7 === 126) {
      this.#headerLength = 4;
      this.#state = GET_PAYLOAD_LENGTH_16;
    } else if (len7 === 127) {
      this.#headerLength = 10;
      this.#state = GET_PAYLOAD_LENGTH_64;
    } else {
      this.#headerLength = 2;
      this.#setPayloadLength(len7);
    }
    return true;
  }

  // Non-minimal length encodings (e.g. 5 in 16 bits) are tolerated, as by
  // most peers: a tracer should report such frames, not choke on them.
  #getPayloadLength16(): boolean {
    if (this.#buffered < 2) return false;
    this.#headerRead += 2;
    this.#setPayloadLength(this.#consume(2).readUInt16BE(0));
    return true;
  }

  #getPayloadLength64(): boolean {
    if (this.#buffered < 8) return false;
    const buf = this.#consume(8);
    this.#headerRead += 8;
    const high = buf.readUInt32BE(0);
    // §5.2: "the most significant bit MUST be 0".
    if (high & 0x80000000) throw createFrameError('WS_ERR_BAD_LENGTH');
    this.#setPayloadLength(high * 0x100000000 + buf.readUInt32BE(4));
    return true;
  }

  /** Length is known: enforce limits now, before any payload is buffered. */
  #setPayloadLength(length: number): void {
    this.#payloadLength = length;
    const control = isControl(this.#opcode);
    const total = !control && this.#opcode === Opcode.CONTINUATION ? this.#messageLength + length : length;
    // Even with no limit, one frame cannot exceed what a Buffer can hold (unless it is never held).
    const held = control || !this.discardData;
    if (total > this.maxPayload || (held && length > bufferConstants.MAX_LENGTH)) {
      throw createFrameError('WS_ERR_PAYLOAD_TOO_BIG', `${total} bytes, limit ${this.maxPayload}`);
    }
    if (this.#masked) this.#headerLength += 4;
    this.#state = this.#masked ? GET_MASK : GET_DATA;
  }

  #getMask(): boolean {
    if (this.#buffered < 4) return false;
    // Copy: the slice may alias the caller's chunk, which we must not pin or expose.
    this.#mask = Buffer.from(this.#consume(4));
    this.#headerRead += 4;
    this.#state = GET_DATA;
    return true;
  }

  #getData(): Frame | null {
    const length = this.#payloadLength;
    const discard = this.discardData && !isControl(this.#opcode);
    if (discard) {
      const take = Math.min(this.#buffered, length - this.#discarded);
      if (take > 0) this.#skip(take);
      this.#discarded += take;
      if (this.#discarded < length) return null;
      this.#discarded = 0;
    } else if (this.#buffered < length) return null;
    let payload = length === 0 || discard ? EMPTY : this.#consume(length);
    const mask = this.#mask;
    if (mask && !discard) {
      // Unmask into a new buffer: the input chunk belongs to the caller
      // (a tap forwards it untouched), so in-place XOR is not an option.
      const src = payload;
      payload = Buffer.allocUnsafe(length);
      applyMask(src, mask, payload, 0, length);
    }

    const b0 = this.#b0;
    const frame: Frame = {
      fin: (b0 & 0x80) !== 0,
      rsv1: (b0 & 0x40) !== 0,
      rsv2: (b0 & 0x20) !== 0,
      rsv3: (b0 & 0x10) !== 0,
      opcode: this.#opcode,
      masked: this.#masked,
      payload,
      headerLength: this.#headerLength,
      payloadLength: length,
    };
    if (mask) frame.mask = mask;

    if (this.#opcode === Opcode.CLOSE) {
      // §5.5.1 body format and §7.4 status validity; throws FrameError.
      parseClosePayload(payload);
    } else if (!isControl(this.#opcode)) {
      this.#trackMessage(frame);
    }
    // State is final before the frame is handed out, so a throwing
    // consumer callback cannot leave the parser half-way through a frame.
    this.#state = GET_INFO;
    this.#mask = undefined;
    this.#headerRead = 0;
    return frame;
  }

  #trackMessage(frame: Frame): void {
    if (frame.opcode !== Opcode.CONTINUATION) {
      this.#messageOpcode = frame.opcode;
      this.#messageLength = 0;
      // RFC 7692: RSV1 on the first frame marks the whole message compressed.
      this.#messageCompressed = frame.rsv1;
    }
    this.#messageLength += frame.payloadLength;

    if (this.validateUtf8 && this.#messageOpcode === Opcode.TEXT && !this.#messageCompressed) {
      this.#checkUtf8(frame);
    }
    if (frame.fin) this.#messageOpcode = NO_MESSAGE;
  }

  /** §8.1 — fail fast, even mid-message; a code point may span fragments. */
  #checkUtf8(frame: Frame): void {
    if (frame.fin && frame.opcode !== Opcode.CONTINUATION) {
      if (!isUtf8(frame.payload)) throw createFrameError('WS_ERR_INVALID_UTF8');
      return;
    }
    this.#decoder ??= new TextDecoder('utf-8', { fatal: true });
    try {
      // stream: true keeps an incomplete trailing sequence for the next
      // fragment; the final, non-streaming call rejects it if still incomplete.
      this.#decoder.decode(frame.payload, { stream: !frame.fin });
    } catch {
      this.#decoder = undefined;
      throw createFrameError('WS_ERR_INVALID_UTF8');
    }
  }
}
