import type { Logger } from '../log.js';
import { FrameWatch } from '../protocol/frame-tap.js';
import { Opcode, opcodeName, type Frame } from '../protocol/frame.js';
import { closeCodeName } from '../protocol/close-codes.js';
import type { FrameError } from '../protocol/frame-error.js';
import type { Tunnel, Direction } from './tunnel.js';

/** One frame one hop saw (`--trace-frames`), as a reporter event. */
export interface FrameEvent {
  event: 'frame';
  hop: string;
  /** The traced connection (tunnel), numbered from 1 in this process: tells concurrent connections' frames apart. */
  conn: number;
  /** `up` = client → upstream, `down` = upstream → client. */
  dir: Direction;
  /** Frame number in this tunnel (both directions), from 1: the order the hop saw them. */
  seq: number;
  opcode: string;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  masked: boolean;
  /** Payload bytes on the wire (compressed size under permessage-deflate). */
  length: number;
  /** Close frames only; null for an empty close body (reported as 1005). */
  closeCode?: number | null;
  closeReason?: string;
}

/** How a direction reads in output: `up` is what the client sent, `down` what it got. */
export const ARROW: Record<Direction, string> = { up: 'client → upstream', down: 'upstream → client' };

/** Tunnels traced so far in this process: the next one's `conn`. */
let traced = 0;

/**
 * `--trace-frames`: a FrameWatch per direction, watching the tunnel's chunks (an observer, not a
 * stage: tracing adds no stream layer, and a traced tunnel without faults carries its bytes as
 * bare as an untraced one). A watch only reads the chunks it is shown, so tracing cannot alter
 * the stream; on an invalid frame it reports once and goes blind. Headers only:
 * data payloads are counted and skipped, never held or unmasked (only a control frame's body,
 * at most 125 bytes, for the close code). Each frame goes to the logger and, when given, to
 * `onFrame` as a structured event.
 *
 * Both watches sit on the client's side of the hop's faults, like a capture on the client-facing
 * socket: `up` shows what the client sent (before a fault drops it, and before a fault's reaction
 * to it, such as max-message's close 1009), `down` what the client got (after a fault flipped a
 * bit or injected a close 1009).
 */
export function addFrameTap(tunnel: Tunnel, hop: string, log: Logger, onFrame?: (ev: FrameEvent) => void): void {
  const conn = ++traced;
  let seq = 0;
  for (const dir of ['up', 'down'] as const) {
    // Masking is reported, not enforced: a tracer must show a peer's mistakes, not choke on them.
    // No size cap either: a tracer that gave up on a 20 MiB message would go blind for good.
    // Data payloads are counted, never held: a frame declaring 3 GiB costs the hop nothing.
    const watch = new FrameWatch({ allowRsv: true, maxPayload: 0, discardData: true }, (frame: Frame) => {
      const ev = frameEvent(hop, conn, dir, ++seq, frame);
      // Printed as an event when someone listens; otherwise the log line is the trace.
      if (onFrame) {
        log.debug(logFields(ev), `frame ${ARROW[dir]} ${describeFrame(ev)}`);
        onFrame(ev);
      } else {
        log.info(logFields(ev), `frame ${ARROW[dir]} ${describeFrame(ev)}`);
      }
    }, (err: FrameError) => {
      log.warn({ hop, conn, dir, code: err.code, closeCode: err.closeCode }, `frame ${ARROW[dir]} unparseable (${err.message}): not tracing this direction any further`);
    });
    tunnel.observe(dir, (chunk) => watch.feed(chunk));
  }
}

export function frameEvent(hop: string, conn: number, dir: Direction, seq: number, f: Frame): FrameEvent {
  const ev: FrameEvent = {
    event: 'frame', hop, conn, dir, seq, opcode: opcodeName(f.opcode), fin: f.fin, rsv1: f.rsv1, rsv2: f.rsv2, rsv3: f.rsv3, masked: f.masked, length: f.payloadLength,
  };
  if (f.opcode === Opcode.CLOSE) {
    // The tap's parser validated the body already (§5.5.1), so this cannot throw.
    ev.closeCode = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : null;
    ev.closeReason = f.payload.subarray(2).toString('utf8');
  }
  return ev;
}

/** `text fin rsv=100 masked 2 B`, `close fin 2+0 B 1000 Normal Closure "bye"`. */
export function describeFrame(ev: FrameEvent): string {
  const rsv = `${+ev.rsv1}${+ev.rsv2}${+ev.rsv3}`;
  const parts = [ev.opcode, ev.fin ? 'fin' : 'more', `rsv=${rsv}`, ev.masked ? 'masked' : 'unmasked', `${ev.length} B`];
  if (ev.closeCode !== undefined) {
    parts.push(ev.closeCode === null ? 'no status' : `${ev.closeCode} ${closeCodeName(ev.closeCode)}`);
    if (ev.closeReason) parts.push(JSON.stringify(ev.closeReason));
  }
  return parts.join(' ');
}

function logFields(ev: FrameEvent): Record<string, unknown> {
  const { event: _event, ...rest } = ev;
  return rest;
}
