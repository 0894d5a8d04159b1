import type { Duplex } from 'node:stream';
import { deadlineError, type Phase } from '../diagnose/errors.js';

/** How a read names what it waits for, in its errors, and whose deadline it keeps. */
export interface ReadLabels {
  /** The deadline's phase (`proxy` for a CONNECT answer, `upgrade` for a 101's head). */
  phase: Phase;
  /** Overflow: "<too> longer than N bytes". */
  too: string;
  /** Early close: "after N bytes of an incomplete <incomplete>". */
  incomplete: string;
}

/**
 * Reads until `complete(buf)` returns the message's length, under a deadline; resolves with the
 * message and the bytes that came after it, leaving the socket paused so none is lost. Rejects
 * on close, error, more than `maxBytes`, or the deadline.
 */
export function readUntil(
  socket: Duplex, complete: (buf: Buffer) => number | undefined, timeoutMs: number, maxBytes: number, labels: ReadLabels,
): Promise<{ message: Buffer; rest: Buffer }> {
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
        socket.pause();
        cleanup();
        resolve({ message: buf.subarray(0, n), rest: buf.subarray(n) });
      } else if (buf.length > maxBytes) {
        cleanup();
        reject(Object.assign(new Error(`${labels.too} longer than ${maxBytes} bytes`), { code: 'HPE_HEADER_OVERFLOW' }));
      }
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      const what = buf.length ? `after ${buf.length} bytes of an incomplete ${labels.incomplete}` : 'before any answer';
      reject(Object.assign(new Error(`connection closed ${what}`), { code: 'ERR_NO_RESPONSE', received: buf }));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(deadlineError(labels.phase, timeoutMs));
    }, timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.resume();
  });
}

/**
 * Reads one message of a small request/response protocol (a CONNECT answer head, a SOCKS
 * reply) under the proxy phase's deadline. Bytes past the message are pushed back (the socket
 * stays paused), so the next reader sees them; with none, the socket flows again for the next
 * reader (TLS, ws's HTTP parser), which attaches before the peer can speak.
 */
export async function readMessage(socket: Duplex, complete: (buf: Buffer) => number | undefined, timeoutMs: number, maxBytes: number): Promise<Buffer> {
  const { message, rest } = await readUntil(socket, complete, timeoutMs, maxBytes, { phase: 'proxy', too: 'answer', incomplete: 'answer' });
  if (rest.length) socket.unshift(rest);
  else socket.resume();
  return message;
}

/** Reads whatever arrives within `ms` (at most `max` bytes): a refusal's body, for the verdict. */
export function readSome(socket: Duplex, max: number, ms: number, first: Buffer = Buffer.alloc(0), enough?: (buf: Buffer) => boolean): Promise<Buffer> {
  return new Promise((resolve) => {
    let buf: Buffer = first;
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
