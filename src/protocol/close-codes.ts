/**
 * Close status codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number
 * Registry") and the Close frame body format (§5.5.1).
 */
import { isUtf8 } from 'node:buffer';
import { createFrameError } from './frame-error.js';

export interface CloseCodeInfo {
  readonly name: string;
  readonly description: string;
}

export const CLOSE_CODES: Readonly<Record<number, CloseCodeInfo>> = Object.freeze({
  1000: { name: 'Normal Closure', description: 'the purpose of the connection was fulfilled' },
  1001: { name: 'Going Away', description: 'endpoint is going away (server shutdown, page navigation)' },
  1002: { name: 'Protocol Error', description: 'endpoint received a frame that violates the protocol' },
  1003: { name: 'Unsupported Data', description: 'endpoint cannot accept this type of data' },
  1004: { name: 'Reserved', description: 'reserved, meaning may be defined in the future' },
  // 1005/1006/1015 are reporting-only: §7.4.1 forbids putting them in a Close frame.
  1005: { name: 'No Status Received', description: 'close frame carried no status code' },
  1006: { name: 'Abnormal Closure', description: 'connection dropped without a close frame' },
  1007: { name: 'Invalid Frame Payload Data', description: 'message data inconsistent with its type (e.g. bad UTF-8)' },
  1008: { name: 'Policy Violation', description: 'message violates the endpoint policy' },
  1009: { name: 'Message Too Big', description: 'message too big to process' },
  1010: { name: 'Mandatory Extension', description: 'client expected the server to negotiate an extension' },
  1011: { name: 'Internal Error', description: 'server hit an unexpected condition' },
  1012: { name: 'Service Restart', description: 'server is restarting' },
  1013: { name: 'Try Again Later', description: 'temporary condition, e.g. overload' },
  1014: { name: 'Bad Gateway', description: 'gateway/proxy got an invalid response from upstream' },
  1015: { name: 'TLS Handshake', description: 'TLS handshake failed (never sent on the wire)' },
});

/** Human-readable name; ranges without a registry entry get a range label. */
export function closeCodeName(code: number): string {
  const known = CLOSE_CODES[code];
  if (known) return known.name;
  if (code >= 3000 && code <= 3999) return 'Registered (library/framework)';
  if (code >= 4000 && code <= 4999) return 'Private Use (application)';
  if (code >= 1016 && code <= 2999) return 'Reserved (protocol)';
  return 'Invalid';
}

export function closeCodeDescription(code: number): string {
  const known = CLOSE_CODES[code];
  if (known) return known.description;
  if (code >= 3000 && code <= 4999) return 'application-defined status';
  return 'not a valid close status';
}

/**
 * Whether `code` may legally appear in a Close frame body (§7.4.1, §7.4.2):
 * 1004 is reserved, 1005/1006/1015 are reporting-only, 1016-2999 belong to
 * future protocol revisions, 0-999 and ≥ 5000 are unused.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

export interface ClosePayload {
  /** Absent when the Close frame had an empty body (reported as 1005). */
  code?: number;
  reason: string;
}

/**
 * Decode a Close body (§5.5.1): empty, or a 2-byte status then a UTF-8 reason.
 * Throws FrameError on a 1-byte body, a status not allowed on the wire, or
 * a reason that is not valid UTF-8 (§8.1 applies to the reason too).
 */
export function parseClosePayload(buf: Buffer): ClosePayload {
  if (buf.length === 0) return { reason: '' };
  if (buf.length === 1) throw createFrameError('WS_ERR_INVALID_CLOSE_PAYLOAD');
  const code = buf.readUInt16BE(0);
  if (!isValidCloseCode(code)) throw createFrameError('WS_ERR_INVALID_CLOSE_CODE', String(code));
  const reasonBytes = buf.subarray(2);
  if (!isUtf8(reasonBytes)) throw createFrameError('WS_ERR_INVALID_UTF8', 'close reason');
  return { code, reason: reasonBytes.toString('utf8') };
}

/**
 * Build a Close body. Deliberately does not check that `code` is valid on
 * the wire or that the result fits a control frame: probes send bad closes
 * on purpose. Only the uint16 range is enforced, since nothing else encodes.
 */
export function encodeClosePayload(code: number, reason: string | Buffer = ''): Buffer {
  if (!Number.isInteger(code) || code < 0 || code > 0xffff) {
    throw new RangeError(`close code must be an integer in 0..65535, got ${code}`);
  }
  const reasonBytes = typeof reason === 'string' ? Buffer.from(reason, 'utf8') : reason;
  const out = Buffer.allocUnsafe(2 + reasonBytes.length);
  out.writeUInt16BE(code, 0);
  reasonBytes.copy(out, 2);
  return out;
}
