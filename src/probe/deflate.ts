/**
 * permessage-deflate (RFC 7692) for the probe: parse what the 101 negotiated, compress our
 * messages, inflate the peer's. Our own messages are always compressed independently (no
 * shared window), which every peer must accept whatever was negotiated (§7.2.1); the peer's
 * messages may reference earlier ones unless it agreed to server_no_context_takeover, so
 * inflation keeps one zlib stream per connection, as ws does.
 */
import { constants as zc, createInflateRaw, deflateRawSync, type InflateRaw } from 'node:zlib';

export const DEFLATE_OFFER = 'permessage-deflate; client_max_window_bits';

/** §7.2.1: a sync flush ends with this empty stored block; it is removed on the wire. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
  /** The response header as received. */
  raw: string;
}

export interface NegotiatedExtensions {
  deflate?: DeflateParams;
  /** Violations of RFC 6455 §9.1 / RFC 7692 §7.1 in the response. */
  problems: string[];
}

/** Reads the 101's Sec-WebSocket-Extensions against our offer (DEFLATE_OFFER or none). */
export function parseExtensions(header: string | undefined, offered: boolean): NegotiatedExtensions {
  const problems: string[] = [];
  if (!header || !header.trim()) return { problems };
  const entries = header.split(',').map((e) => e.trim()).filter(Boolean);
  let deflate: DeflateParams | undefined;
  for (const entry of entries) {
    const [name, ...params] = entry.split(';').map((p) => p.trim());
    if (name !== 'permessage-deflate' || !offered) {
      problems.push(`101 accepted extension "${name}" that was not offered (RFC 6455 §9.1)`);
      continue;
    }
    if (deflate) {
      problems.push('permessage-deflate accepted twice');
      continue;
    }
    deflate = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, raw: header };
    const seen = new Set<string>();
    for (const p of params) {
      const [key = '', rawValue] = p.split('=').map((s) => s.trim());
      const value = rawValue?.replace(/^"(.*)"$/, '$1');
      if (seen.has(key)) problems.push(`parameter ${key} repeated (RFC 7692 §7.1)`);
      seen.add(key);
      if (key === 'server_no_context_takeover' || key === 'client_no_context_takeover') {
        if (value !== undefined) problems.push(`${key} must not have a value`);
        if (key === 'server_no_context_takeover') deflate.serverNoContextTakeover = true;
        else deflate.clientNoContextTakeover = true;
      } else if (key === 'server_max_window_bits' || key === 'client_max_window_bits') {
        const bits = Number(value);
        if (!/^\d+$/.test(value ?? '') || bits < 8 || bits > 15) {
          problems.push(`${key}=${value ?? ''}: must be 8..15 in a response (RFC 7692 §7.1.2)`);
        } else if (key === 'server_max_window_bits') deflate.serverMaxWindowBits = bits;
        else deflate.clientMaxWindowBits = bits;
      } else {
        problems.push(`unknown permessage-deflate parameter "${key}"`);
      }
    }
  }
  return deflate ? { deflate, problems } : { problems };
}

/** One message, compressed on its own. zlib cannot do an 8-bit window, so that gets stored blocks. */
export function compressMessage(data: Buffer, params: DeflateParams): Buffer {
  const bits = params.clientMaxWindowBits;
  const out = deflateRawSync(data, { finishFlush: zc.Z_SYNC_FLUSH, windowBits: Math.max(bits, 9), level: bits < 9 ? 0 : 6 });
  return out.length >= 4 && out.subarray(-4).equals(TAIL) ? out.subarray(0, -4) : out;
}

/** Inflates the peer's messages in arrival order; one zlib stream unless the peer takes no context. */
export class MessageInflater {
  #stream: InflateRaw | undefined;

  constructor(private readonly params: DeflateParams, private readonly maxBytes: number) {}

  inflate(data: Buffer): Promise<Buffer> {
    if (this.params.serverNoContextTakeover) this.close();
    const stream = (this.#stream ??= createInflateRaw({ windowBits: 15 }));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        stream.off('data', onData);
        stream.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > this.maxBytes) {
          cleanup();
          this.close();
          reject(new Error(`inflated message exceeds ${this.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      };
      const onError = (err: Error) => {
        cleanup();
        this.close();
        reject(err);
      };
      stream.on('data', onData);
      stream.on('error', onError);
      stream.write(data);
      stream.write(TAIL);
      stream.flush(zc.Z_SYNC_FLUSH, () => {
        cleanup();
        resolve(Buffer.concat(chunks, size));
      });
    });
  }

  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }
}
