import { loadOptional } from '../optional.js';

type MaskFn = (source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number) => void;

// RFC 6455 §5.3: payload[i] ^ mask[i % 4]. bufferutil (an optional dependency ws uses too) does
// it natively; without it, XOR four bytes at a time through aligned views. A byte loop cost
// ~60 ms per 16 MiB, long enough to stall every other socket in the process (probe's
// max-message, the frame tap).
const native = loadOptional<{ mask: MaskFn }>('bufferutil', 'WS_NO_BUFFER_UTIL')?.mask;

/** Writes `source[0..length) ^ mask` into `output` at `offset`. `source` is not modified. */
export function applyMask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void {
  if (native && length >= 32) return native(source, mask, output, offset, length);
  let i = 0;
  const dst = output.byteOffset + offset;
  // Typed-array views need 4-byte alignment; pooled buffers usually have it.
  if (source.byteOffset % 4 === 0 && dst % 4 === 0 && length >= 16) {
    const words = length >>> 2;
    const m = new Uint32Array(Uint8Array.from(mask.subarray(0, 4)).buffer)[0]!; // native byte order, like the views
    const s32 = new Uint32Array(source.buffer, source.byteOffset, words);
    const o32 = new Uint32Array(output.buffer, dst, words);
    for (let w = 0; w < words; w++) o32[w] = s32[w]! ^ m;
    i = words * 4;
  }
  for (; i < length; i++) output[offset + i] = source[i]! ^ mask[i & 3]!;
}
