/** Small exchanges several checks share, and the words they report them with. */
import type { VerdictCode } from '../diagnose/catalogue.js';
import { closeCodeName } from '../protocol/close-codes.js';
import { Opcode } from '../protocol/frame.js';
import type { End, Message, Session } from './session.js';

export type Failure = 'timeout' | 'closed' | 'invalid' | 'mismatch';
export type Exchange = { ok: true; message: Message; ms: number } | { ok: false; kind: Failure; why: string; closeCode: number | null };

/** Sends one message and waits for the next data message; compares it byte for byte. */
export async function roundTrip(s: Session, payload: Buffer, binary: boolean, ms: number, compress = false): Promise<Exchange> {
  const t = performance.now();
  s.sendMessage(payload, binary, compress);
  return expectEcho(s, payload, binary, ms, t);
}

/** Waits for the echo of `payload`; `t` is when the request went out. */
export async function expectEcho(s: Session, payload: Buffer, binary: boolean, ms: number, t: number): Promise<Exchange> {
  const got = await s.nextMessage(ms);
  if ('end' in got) return { ok: false, kind: got.end, why: describeEnd(s, got, ms), closeCode: s.closeCode ?? null };
  const want = binary ? Opcode.BINARY : Opcode.TEXT;
  if (got.opcode !== want) return { ok: false, kind: 'mismatch', why: `reply was ${opName(got.opcode)}, sent ${opName(want)}`, closeCode: null };
  if (!got.payload.equals(payload)) {
    return { ok: false, kind: 'mismatch', why: `reply differs: ${got.payload.length} B back for ${payload.length} B sent${firstDiff(payload, got.payload)}`, closeCode: null };
  }
  return { ok: true, message: got, ms: got.at - t };
}

/** The catalogue entry a failed exchange points at. */
export function verdictOf(kind: Failure, closeCode: number | null): VerdictCode {
  if (kind === 'mismatch') return 'echo-mismatch';
  if (kind === 'invalid') return 'protocol-error';
  if (kind === 'timeout') return 'half-open';
  if (closeCode === 1009) return 'message-too-big';
  return closeCode === 1006 || closeCode === null ? 'connection-dropped' : 'peer-closed';
}

/** Why no message came: a deadline, a close frame, a dropped connection, or broken framing. */
export function describeEnd(s: Session, end: End, ms: number): string {
  if (end.end === 'invalid') return `the peer sent an invalid frame (${end.error})`;
  if (end.end === 'timeout') return `nothing came back within ${fmtMs(ms)}`;
  return describeClosed(s);
}

export function describeClosed(s: Session): string {
  const c = s.closeFrame;
  if (c) return `the peer closed with ${describeCode(c.code)}${c.reason ? ` "${c.reason}"` : ''}`;
  const how = s.socketError ? `reset (${s.socketError})` : 'closed';
  return `the connection was ${how} without a close frame (1006)`;
}

export function describeCode(code: number): string {
  return `${code} ${closeCodeName(code)}`;
}

export function opName(opcode: number): string {
  return opcode === Opcode.TEXT ? 'text' : opcode === Opcode.BINARY ? 'binary' : `opcode 0x${opcode.toString(16)}`;
}

function firstDiff(a: Buffer, b: Buffer): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `, first difference at byte ${i}`;
  return '';
}

/**
 * Deterministic, incompressible-enough bytes: a payload a hop cannot fake by accident. One
 * 64 KiB xorshift block, tiled with memcpy, so 16 MiB costs milliseconds, not a blocked loop.
 */
export function pattern(size: number, seed = 0): Buffer {
  const block = Math.min(size, 64 * 1024);
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761 + 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < block; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  for (let filled = block; filled < size; filled *= 2) out.copy(out, filled, 0, Math.min(filled, size - filled));
  return out;
}

export function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 1 : 2)} s` : `${Math.round(ms)} ms`;
}

/** Seconds with two decimals, as a number: the unit of the long checks. */
export function seconds(ms: number): number {
  return Math.round(ms / 10) / 100;
}

export function round1(ms: number): number {
  return Math.round(ms * 10) / 10;
}
