/**
 * Clients that leave at the worst moments, over raw TCP (no WebSocket library): a reset in every
 * phase, data arriving together with the reset, a half-close, a normal goodbye, an oversized
 * frame, a slow or half-sent request. Each move is bounded in time and always frees its socket,
 * so whatever stays open afterwards on the server's side is the server's leak.
 */
import net, { type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closePayload, frame, upgradeRequest } from './raw-peers.js';

export const MOVES = [
  'rst-on-connect', 'rst-mid-head', 'rst-after-head', 'fin-after-head', 'rst-after-101', 'rst-with-data', 'fin-after-101', 'goodbye',
  'oversized-frame', 'slow-head', 'half-sent-body',
] as const;
export type Move = (typeof MOVES)[number];

export interface MoveOptions {
  /** Hard bound of the whole move; the socket is destroyed when it passes. */
  ms?: number;
  path?: string;
  /** oversized-frame: payload bytes actually sent after a header declaring 3 GiB. */
  oversizedBytes?: number;
}

/** What a move saw: whether the server closed the connection before the move gave up. */
export interface MoveResult {
  move: Move;
  status?: number;
  serverClosed: boolean;
}

const THREE_GIB = 3 * 1024 ** 3;

/** A masked frame header declaring `length` payload bytes (64-bit length form). */
export function bigFrameHeader(length: number, opcode = 0x2, mask = true): Buffer {
  const head = Buffer.alloc(mask ? 14 : 10);
  head[0] = 0x80 | opcode;
  head[1] = (mask ? 0x80 : 0) | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  if (mask) randomBytes(4).copy(head, 10);
  return head;
}

/** Writes `total` bytes of junk in 256 KiB pieces, respecting backpressure; stops early if the socket goes. */
export async function stream(socket: Socket, total: number): Promise<number> {
  const piece = Buffer.alloc(256 * 1024, 0x61);
  let sent = 0;
  while (sent < total && !socket.destroyed && socket.writable) {
    const n = Math.min(piece.length, total - sent);
    sent += n;
    if (!socket.write(n === piece.length ? piece : piece.subarray(0, n))) {
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.once('drain', done);
        socket.once('close', done);
      });
    }
  }
  return sent;
}

export async function runMove(port: number, move: Move, opts: MoveOptions = {}): Promise<MoveResult> {
  const ms = opts.ms ?? 3_000;
  const result: MoveResult = { move, serverClosed: false };
  const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  socket.on('error', () => {});
  let buf = Buffer.alloc(0);
  let headSeen: () => void = () => {};
  const head = new Promise<void>((resolve) => (headSeen = resolve));
  socket.on('data', (d: Buffer) => {
    if (result.status !== undefined) return;
    buf = Buffer.concat([buf, d]);
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(buf.toString('latin1', 0, 16));
    if (m && buf.includes('\r\n\r\n')) {
      result.status = Number(m[1]);
      headSeen();
    }
  });
  let weClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      if (!weClosed) result.serverClosed = true;
      resolve();
    }),
  );
  socket.once('end', () => (result.serverClosed = true));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  const within = (p: Promise<unknown>) => Promise.race([p, expired, closed]);
  await within(new Promise<void>((resolve) => socket.once('connect', () => resolve())));
  const reset = () => {
    weClosed = true;
    if (!socket.destroyed) socket.resetAndDestroy();
  };
  const { text } = upgradeRequest(`127.0.0.1:${port}`, opts.path ?? '/echo');
  try {
    if (socket.destroyed || !socket.writable) return result;
    switch (move) {
      case 'rst-on-connect':
        return result;
      case 'rst-mid-head':
        socket.write(text.slice(0, Math.floor(text.length / 2)));
        await new Promise((r) => setImmediate(r));
        return result;
      case 'rst-after-head':
        socket.write(text);
        await new Promise((r) => setTimeout(r, 5));
        return result;
      case 'fin-after-head':
        // Gives up on the upgrade and half-closes: a hop holding it must notice and let go.
        socket.end(text);
        await within(closed);
        return result;
      case 'slow-head':
        // Slowloris: a head that never finishes. The server's header deadline must end it.
        socket.write(text.slice(0, 20));
        await within(closed);
        return result;
      case 'half-sent-body':
        socket.write('POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(10));
        await within(closed);
        return result;
      default:
        break;
    }
    socket.write(text);
    await within(head);
    if (result.status !== 101) {
      await within(closed);
      return result;
    }
    switch (move) {
      case 'rst-after-101':
        return result;
      case 'rst-with-data':
        // Data and the RST in the same moment: Node may report this as a normal end.
        socket.write(frame(0x1, 'bye'));
        return result;
      case 'fin-after-101':
        socket.end(frame(0x8, closePayload(1000)));
        await within(closed);
        return result;
      case 'goodbye':
        socket.write(frame(0x1, 'hello'));
        await within(new Promise((r) => setTimeout(r, 20)));
        socket.write(frame(0x8, closePayload(1000)));
        await within(closed);
        return result;
      case 'oversized-frame':
        socket.write(bigFrameHeader(THREE_GIB));
        await within(stream(socket, opts.oversizedBytes ?? 1024 * 1024));
        return result;
      default:
        return result;
    }
  } finally {
    clearTimeout(timer);
    reset();
    await closed;
  }
}
