import type { RawData } from 'ws';

/** A ws message's data as one Buffer, whatever form ws handed it in (Buffer, fragments, ArrayBuffer). */
export function bufferOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
