import { createRequire } from 'node:module';

type MaskFn = (source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number) => void;

// RFC 6455 §5.3: payload[i] ^ mask[i % 4]. bufferutil (an optional dependency ws uses too) does
// it natively; without it, XOR four bytes at a time. A byte loop cost ~60 ms per 16 MiB, long
// enough to stall every other socket in the process (probe's max-message, the frame tap).
let native: MaskFn | undefined;
try {
  if (!process.env.WS_NO_BUFFER_UTIL) native = (createRequire(import.meta.url)('bufferutil') as { mask: MaskFn }).mask;
} catch {
  native = undefined;
}

/** Writes `source[0..length) ^ mask` into `output` at `offset`. `source` is not modified. */
export function applyMask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void {
  if (native && length >= 32) return native(source, mask, output, offset, length);
  const m = mask.readUInt32LE(0);
  const words = length >>> 2;
  let i = 0;
  for (let w = 0; w < words; w++, i += 4) output.writeUInt32LE((source.readUInt32LE(i) ^ m) >>> 0, offset + i);
  for (; i < length; i++) output[offset + i] = source[i]! ^ mask[i & 3]!;
}
