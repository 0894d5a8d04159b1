/**
 * Follows frame boundaries in a WebSocket byte stream without buffering payloads: it reads each
 * header (2–14 bytes, RFC 6455 §5.2) and skips the payload by count. The live stage list uses it
 * to start a frame-aware fault on the first byte of a frame, never inside one.
 */
export class FrameBoundaries {
  /**
   * A header split across chunks, gathered here. Made only then: a header is read straight from
   * the chunk when it is whole, and every idle tunnel has two of these.
   */
  #head: Buffer | undefined;
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
      } else if (this.#headLen === 0 && chunk.length - i >= 2 && chunk.length - i >= headerLength(chunk, i)) {
        // The whole header is in this chunk: read it in place.
        this.#payloadLeft = payloadLength(chunk, i);
        i += headerLength(chunk, i);
        if (!Number.isSafeInteger(this.#payloadLeft)) this.#lost = true;
      } else {
        const head = (this.#head ??= Buffer.allocUnsafe(14));
        head[this.#headLen++] = chunk[i++]!;
        const need = this.#headLen >= 2 ? headerLength(head, 0) : 2;
        if (this.#headLen < need) continue;
        this.#payloadLeft = payloadLength(head, 0);
        this.#headLen = 0;
        if (!Number.isSafeInteger(this.#payloadLeft)) this.#lost = true;
      }
      if (stopAtBoundary && this.atBoundary) return i;
    }
    return i;
  }
}

/** The header's length from its second byte, at `at + 1`. */
function headerLength(h: Buffer, at: number): number {
  const len7 = h[at + 1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (h[at + 1]! & 0x80 ? 4 : 0);
}

/** The payload length of a whole header starting at `at`. */
function payloadLength(h: Buffer, at: number): number {
  const len7 = h[at + 1]! & 0x7f;
  if (len7 === 126) return h.readUInt16BE(at + 2);
  if (len7 === 127) return Number(h.readBigUInt64BE(at + 2));
  return len7;
}
