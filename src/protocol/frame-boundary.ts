/**
 * Follows frame boundaries in a WebSocket byte stream without buffering payloads: it reads each
 * header (2–14 bytes, RFC 6455 §5.2) and skips the payload by count. The live stage list uses it
 * to start a frame-aware fault on the first byte of a frame, never inside one.
 */
export class FrameBoundaries {
  // From the shared pool: one per tunnel direction, so a small slice rather than its own allocation.
  readonly #head = Buffer.allocUnsafe(14);
  #headLen = 0;
  #payloadLeft = 0;
  #lost = false;

  /** True between two frames. False for good once the stream stopped looking like frames. */
  get atBoundary(): boolean {
    return !this.#lost && this.#headLen === 0 && this.#payloadLeft === 0;
  }

  /** The stream is not (or no longer) frames: boundaries are unknown from here on. */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Consumes `chunk` from `from`. With `stopAtBoundary`, stops at the first boundary after at
   * least one byte and returns the offset there; else consumes everything. Returns the offset reached.
   */
  advance(chunk: Buffer, from = 0, stopAtBoundary = false): number {
    let i = from;
    while (i < chunk.length && !this.#lost) {
      if (this.#payloadLeft > 0) {
        const n = Math.min(this.#payloadLeft, chunk.length - i);
        this.#payloadLeft -= n;
        i += n;
      } else {
        this.#head[this.#headLen++] = chunk[i++]!;
        const need = this.#headLen >= 2 ? headerLength(this.#head) : 2;
        if (this.#headLen < need) continue;
        this.#payloadLeft = payloadLength(this.#head);
        this.#headLen = 0;
        if (!Number.isSafeInteger(this.#payloadLeft)) this.#lost = true;
      }
      if (stopAtBoundary && this.atBoundary) return i;
    }
    return i;
  }
}

function headerLength(h: Buffer): number {
  const len7 = h[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (h[1]! & 0x80 ? 4 : 0);
}

function payloadLength(h: Buffer): number {
  const len7 = h[1]! & 0x7f;
  if (len7 === 126) return h.readUInt16BE(2);
  if (len7 === 127) return Number(h.readBigUInt64BE(2));
  return len7;
}
