import type { Duplex } from 'node:stream';
import { deadlineError } from '../diagnose/errors.js';

/**
 * Reads one message of a small request/response protocol (a CONNECT answer head, a SOCKS
 * reply) under a deadline. `complete(buf)` returns the message's length once `buf` holds all
 * of it. Bytes past the message are pushed back (and the socket paused), so the next reader sees them. Rejects on close, error, overflow or the deadline.
 */
export function readMessage(socket: Duplex, complete: (buf: Buffer) => number | undefined, timeoutMs: number, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const n = complete(buf);
      if (n !== undefined) {
        cleanup();
        // The socket stays flowing: the next reader (TLS, ws's HTTP parser) attaches before the
        // peer can speak, since both protocols wait for our first bytes. Early bytes are kept.
        if (n < buf.length) {
          socket.pause();
          socket.unshift(buf.subarray(n));
        }
        resolve(buf.subarray(0, n));
      } else if (buf.length > maxBytes) {
        cleanup();
        reject(Object.assign(new Error(`answer longer than ${maxBytes} bytes`), { code: 'HPE_HEADER_OVERFLOW' }));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      const what = buf.length ? `after ${buf.length} bytes of an incomplete answer` : 'before any answer';
      reject(Object.assign(new Error(`connection closed ${what}`), { code: 'ERR_NO_RESPONSE', received: buf }));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(deadlineError('proxy', timeoutMs));
    }, timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
  });
}

/** Reads whatever arrives within `ms` (at most `max` bytes): a refusal's body, for the verdict. */
export function readSome(socket: Duplex, max: number, ms: number, first = Buffer.alloc(0), enough?: (buf: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf = first;
    const finish = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', finish);
      socket.off('close', finish);
      socket.off('error', finish);
      resolve(buf.subarray(0, max));
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= max || enough?.(buf)) finish();
    };
    const timer = setTimeout(finish, ms);
    if (buf.length >= max || enough?.(buf)) return finish();
    socket.on('data', onData);
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    socket.resume();
  });
}
