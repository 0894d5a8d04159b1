/**
 * RFC 6455 §5.2 frame encoder.
 *
 * Validates almost nothing on purpose: adversarial probes use it to emit
 * reserved opcodes, oversized or fragmented control frames, unmasked client
 * frames, stray RSV bits. The only hard limits are the ones the wire format
 * itself cannot represent (opcode > 15, a mask that is not 4 bytes).
 */
import { randomFillSync } from 'node:crypto';
import { encodeClosePayload } from './close-codes.js';
import { Opcode } from './frame.js';
import { applyMask } from './mask.js';

export interface EncodeFrameOptions {
  /** Defaults to true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  opcode: number;
  /** Strings are encoded as UTF-8. */
  payload: Buffer | string;
  /** A 4-byte key, `true` for a random key (§5.3), false/absent for none. */
  mask?: Buffer | boolean;
}

const EMPTY = Buffer.alloc(0);

export function encodeFrame(opts: EncodeFrameOptions): Buffer {
  const { opcode } = opts;
  if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xf) {
    throw new RangeError(`opcode must be an integer in 0..15, got ${opcode}`);
  }
  const payload = typeof opts.payload === 'string' ? Buffer.from(opts.payload, 'utf8') : opts.payload;
  let mask: Buffer | undefined;
  if (opts.mask === true) {
    // §5.3 wants an unpredictable key so attacker-chosen payloads cannot
    // be made to look like e.g. HTTP to a confused intermediary.
    mask = randomFillSync(Buffer.allocUnsafe(4));
  } else if (Buffer.isBuffer(opts.mask)) {
    if (opts.mask.length !== 4) throw new RangeError(`mask must be 4 bytes, got ${opts.mask.length}`);
    mask = opts.mask;
  }

  const len = payload.length;
  // §5.2: the minimal number of bytes MUST be used to encode the length.
  const extLen = len <= 125 ? 0 : len <= 0xffff ? 2 : 8;
  const headerLen = 2 + extLen + (mask ? 4 : 0);
  const out = Buffer.allocUnsafe(headerLen + len);

  out[0] =
    (opts.fin === false ? 0 : 0x80) |
    (opts.rsv1 ? 0x40 : 0) |
    (opts.rsv2 ? 0x20 : 0) |
    (opts.rsv3 ? 0x10 : 0) |
    opcode;
  out[1] = (mask ? 0x80 : 0) | (extLen === 0 ? len : extLen === 2 ? 126 : 127);
  if (extLen === 2) {
    out.writeUInt16BE(len, 2);
  } else if (extLen === 8) {
    // Split by arithmetic: lengths above 2^32 do not survive bitwise ops.
    out.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }

  if (mask) {
    mask.copy(out, 2 + extLen);
    applyMask(payload, mask, out, headerLen, len);
  } else {
    payload.copy(out, headerLen);
  }
  return out;
}

export function encodeText(data: string | Buffer, mask?: Buffer | boolean): Buffer {
  return encodeFrame({ opcode: Opcode.TEXT, payload: data, ...maskOpt(mask) });
}

export function encodeBinary(data: Buffer | string, mask?: Buffer | boolean): Buffer {
  return encodeFrame({ opcode: Opcode.BINARY, payload: data, ...maskOpt(mask) });
}

export function encodePing(data: Buffer | string = EMPTY, mask?: Buffer | boolean): Buffer {
  return encodeFrame({ opcode: Opcode.PING, payload: data, ...maskOpt(mask) });
}

export function encodePong(data: Buffer | string = EMPTY, mask?: Buffer | boolean): Buffer {
  return encodeFrame({ opcode: Opcode.PONG, payload: data, ...maskOpt(mask) });
}

/**
 * Close frame. Without `code` the body is empty (§5.5.1 allows that); a
 * reason without a code has no wire representation, so it is refused.
 * Invalid codes (1005, 999…) and over-long reasons are encoded as asked.
 */
export function encodeClose(code?: number, reason?: string | Buffer, mask?: Buffer | boolean): Buffer {
  if (code === undefined && reason !== undefined && reason.length > 0) {
    throw new TypeError('a close reason requires a close code');
  }
  const payload = code === undefined ? EMPTY : encodeClosePayload(code, reason ?? '');
  return encodeFrame({ opcode: Opcode.CLOSE, payload, ...maskOpt(mask) });
}

function maskOpt(mask: Buffer | boolean | undefined): { mask?: Buffer | boolean } {
  return mask === undefined ? {} : { mask };
}
