import type { WebSocket, RawData } from 'ws';
import { INSPECT_MESSAGE } from '../constants.js';
import { closeCodeName } from '../protocol/close-codes.js';
import type { WireClock } from './wire-clock.js';
import { closeFrameReceived } from './ws-internals.js';
import { isInspectAnswer, type HandshakeReport } from '../endpoint/inspect.js';

/** What ended a wait on an open WebSocket. */
export type WaitResult<T> =
  | { kind: 'value'; value: T; ms: number }
  | { kind: 'timeout'; ms: number }
  | { kind: 'closed'; code: number; reason: string; ms: number }
  | { kind: 'error'; error: Error & { code?: string }; ms: number };

/**
 * Sends `payload` and waits at most `timeoutMs` for the next message. The connection's
 * close and error events end the wait too, so a dying peer is reported, not waited on.
 */
export function roundTrip(
  ws: WebSocket, payload: Buffer | string, binary: boolean, timeoutMs: number, clock?: WireClock,
): Promise<WaitResult<{ data: Buffer; binary: boolean }>> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    // A connection that is already gone would never answer: say so now, not at the deadline.
    if (ws.readyState === ws.CLOSED) {
      resolve({ kind: 'closed', code: 1006, reason: 'the connection was already closed', ms: 0 });
      return;
    }
    const done = (r: WaitResult<{ data: Buffer; binary: boolean }>) => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
      resolve(r);
    };
    // With a clock, the RTT runs from our frame's write to the first byte back (see WireClock).
    const onMessage = (data: RawData, isBinary: boolean) =>
      done({ kind: 'value', value: { data: toBuffer(data), binary: isBinary }, ms: clock?.elapsed() ?? performance.now() - t0 });
    const onClose = (code: number, reason: Buffer) => done({ kind: 'closed', code, reason: reason.toString(), ms: performance.now() - t0 });
    const onError = (error: Error) => done({ kind: 'error', error, ms: performance.now() - t0 });
    const timer = setTimeout(() => done({ kind: 'timeout', ms: performance.now() - t0 }), timeoutMs);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', onError);
    clock?.arm();
    ws.send(payload, { binary });
  });
}

/** Waits `ms` between round trips, or less if the connection closes meanwhile. */
export function pause(ws: WebSocket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) return resolve();
    const done = () => {
      clearTimeout(timer);
      ws.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    ws.once('close', done);
  });
}

/** Asks a wstrace endpoint for the handshake report it recorded. */
export async function requestInspect(ws: WebSocket, timeoutMs: number): Promise<WaitResult<HandshakeReport>> {
  const r = await roundTrip(ws, INSPECT_MESSAGE, false, timeoutMs);
  if (r.kind !== 'value') return r;
  let value: unknown;
  try {
    value = JSON.parse(r.value.data.toString('utf8'));
  } catch {
    return { kind: 'error', error: new Error('the inspect answer was not JSON: not a wstrace endpoint?'), ms: r.ms };
  }
  if (!isInspectAnswer(value)) return { kind: 'error', error: new Error('the inspect answer is not a handshake report: not a wstrace endpoint?'), ms: r.ms };
  // The tag names the wire message; inside the client's `inspect` event it would only repeat it.
  const { event: _tag, ...report } = value;
  return { kind: 'value', value: report, ms: r.ms };
}

export interface CloseOutcome {
  ms: number;
  /** The code the peer answered with; 1006 when no close frame came back. */
  code: number;
  reason: string;
  /** False when the deadline expired and we destroyed the socket. */
  answered: boolean;
}

/**
 * Starts the close handshake (RFC 6455 §7.1.2) and waits at most `timeoutMs` for the peer's
 * close frame; then destroys the socket. ws's own close timer is 30 s, far too long to wait.
 */
export function closeHandshake(ws: WebSocket, timeoutMs: number, code = 1000, reason = ''): Promise<CloseOutcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) {
      resolve({ ms: 0, code: 1006, reason: 'already closed', answered: false });
      return;
    }
    const timer = setTimeout(() => {
      ws.off('close', onClose);
      // ws records a received close frame before the TCP close it then waits for.
      const seen = closeFrameReceived(ws);
      ws.terminate();
      const reason = seen !== undefined
        ? `the peer answered ${seen ?? ''} but never closed TCP`
        : 'no close frame before the deadline';
      resolve({ ms: performance.now() - t0, code: 1006, reason, answered: false });
    }, timeoutMs);
    const onClose = (c: number, reason: Buffer) => {
      clearTimeout(timer);
      const text = reason.toString() || (c === 1006 ? 'the connection closed without a close frame' : '');
      resolve({ ms: performance.now() - t0, code: c, reason: text, answered: c !== 1006 });
    };
    ws.once('close', onClose);
    ws.on('error', () => {});
    ws.close(code, reason);
  });
}

export function describeClose(code: number, reason: string): string {
  return `${code} ${closeCodeName(code)}${reason ? ` "${reason}"` : ''}`;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** A deterministic payload of `size` bytes, printable for text messages. */
export function makePayload(size: number, seq: number): Buffer {
  const pattern = Buffer.from(`wstrace#${seq}:abcdefghijklmnopqrstuvwxyz0123456789|`);
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += pattern.length) pattern.copy(out, i, 0, Math.min(pattern.length, size - i));
  return out;
}
