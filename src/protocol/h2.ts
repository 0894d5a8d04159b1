// HTTP/2 facts we recognise on the wire (RFC 9113): the client preface, frame headers, error codes.

/** RFC 9113 §3.4: every h2 connection starts with these 24 bytes from the client. */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** RFC 9113 §7 error codes, by value. */
const ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR',
  'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

/** `PROTOCOL_ERROR (0x1)`: the name an h2 error code has in RFC 9113 §7. */
export function h2ErrorName(code: number): string {
  return `${ERROR_NAMES[code] ?? 'UNKNOWN_ERROR'} (0x${code.toString(16)})`;
}

/**
 * Whether `head` (the first bytes a connection sent) is, or may still become, the h2 client
 * preface. HTTP/1.1 has no method `PRI`, so three bytes decide it; fewer are undecided.
 */
export function prefaceMatch(head: Buffer): 'h2' | 'h1' | 'undecided' {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (!head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) return 'h1';
  return n >= 3 ? 'h2' : 'undecided';
}

const FRAME_TYPES: Record<number, string> = { 0x4: 'SETTINGS', 0x7: 'GOAWAY' };

/**
 * An HTTP/2 server that receives an HTTP/1.1 request answers with its SETTINGS frame (and a GOAWAY
 * PROTOCOL_ERROR): what an h1 client reads as garbage instead of a status line. Returns the frames
 * recognised at the start of `raw` (9-byte frame header, stream 0), or none if it is not h2.
 */
export function h2FramesIn(raw: Buffer): string[] {
  const found: string[] = [];
  let off = 0;
  while (off + 9 <= raw.length && found.length < 4) {
    const length = raw.readUIntBE(off, 3);
    const type = raw[off + 3]!;
    const stream = raw.readUInt32BE(off + 5) & 0x7fffffff;
    const name = FRAME_TYPES[type];
    if (!name || stream !== 0 || length > 16_384) break;
    if (name === 'GOAWAY' && off + 9 + 8 <= raw.length) found.push(`GOAWAY ${h2ErrorName(raw.readUInt32BE(off + 13))}`);
    else found.push(name);
    off += 9 + length;
  }
  return found;
}

/** The settings an h2 peer advertised, as Node reports them, reduced to the ones that matter here. */
export interface H2Settings {
  enableConnectProtocol: boolean;
  maxConcurrentStreams: number | null;
  initialWindowSize: number | null;
  maxFrameSize: number | null;
  headerTableSize: number | null;
}

export function describeSettings(s: { enableConnectProtocol?: boolean; maxConcurrentStreams?: number; initialWindowSize?: number; maxFrameSize?: number; headerTableSize?: number }): H2Settings {
  return {
    enableConnectProtocol: s.enableConnectProtocol === true,
    maxConcurrentStreams: s.maxConcurrentStreams ?? null,
    initialWindowSize: s.initialWindowSize ?? null,
    maxFrameSize: s.maxFrameSize ?? null,
    headerTableSize: s.headerTableSize ?? null,
  };
}
