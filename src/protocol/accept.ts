import { createHash, randomBytes } from 'node:crypto';

// RFC 6455 §1.3: the server proves it read the key by hashing it with this GUID.
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A fresh Sec-WebSocket-Key: 16 random bytes, base64 (§4.1). */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}
