import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import type { Session } from '../session.js';
import { describeClosed, describeCode, fmtMs, opName, round1 } from '../steps.js';

export interface ViolationSpec {
  name: string;
  /** The close code RFC 6455 asks for. */
  expected: 1002 | 1007;
  /** The RFC section that makes it a violation. */
  rfc: string;
  /** Writes the offending frame. */
  send(s: Session): void;
}

const FOLLOW_UP = Buffer.from('wstrace probe: are you still listening?');

/**
 * A frame RFC 6455 says must fail the connection, then a harmless text message. A conforming
 * peer closes with the expected code promptly (PASS); one that keeps echoing ignored the
 * violation (WARN); one that does nothing at all within --timeout hangs its clients (FAIL).
 */
export function violationCheck(spec: ViolationSpec): Check {
  return {
    ...checkInfo(spec.name),
    async run(ctx: CheckContext): Promise<CheckOutcome> {
      const s = await ctx.open();
      const deadline = ctx.wait(ctx.settings.timeoutMs);
      const t = performance.now();
      spec.send(s);
      s.sendMessage(FOLLOW_UP, false);
      const got = await s.nextMessage(deadline);
      const ms = round1(performance.now() - t);
      const closeCode = s.closeCode ?? null;

      if (!('end' in got)) {
        const what = got.payload.equals(FOLLOW_UP) ? 'echoed our next message' : `sent a ${opName(got.opcode)} message back (${got.payload.length} B)`;
        return outcome('warn', `ignored the violation: the peer ${what} (${spec.rfc} says fail with ${spec.expected})`, {
          value: round1(got.at - t), unit: 'ms', closeCode: null, verdict: 'protocol-error',
          evidence: [`after the bad frame the peer ${what} after ${fmtMs(got.at - t)}`],
          next: 'the server (or a hop that re-frames traffic) does not validate frames: fix it or accept the risk',
        });
      }
      if (got.end === 'timeout') {
        return outcome('fail', `no reaction within ${fmtMs(deadline)}: no close, no echo (clients hang)`, {
          value: deadline, unit: 'ms', closeCode: null, verdict: 'half-open',
          evidence: [`sent the bad frame and a text message; nothing came back and TCP stayed open for ${fmtMs(deadline)}`],
          next: 'the peer stopped reading or a hop holds the frames: check the server and each hop with `wstrace bisect`',
        });
      }
      if (got.end === 'invalid') {
        return outcome('warn', 'the peer answered with frames we cannot parse', { value: ms, unit: 'ms', closeCode, evidence: [got.error], verdict: 'protocol-error' });
      }
      const at = round1((s.closeFrame?.at ?? s.peerEndAt ?? performance.now()) - t);
      if (s.closeFrame?.code === spec.expected) {
        return outcome('pass', `failed the connection with ${describeCode(spec.expected)}, as ${spec.rfc} asks`, {
          value: at, unit: 'ms', closeCode, evidence: [`${describeClosed(s)} after ${fmtMs(at)}`],
        });
      }
      return outcome('warn', s.closeFrame
        ? `closed, but with ${describeCode(s.closeFrame.code)} instead of ${spec.expected}`
        : `dropped TCP without a close frame: clients cannot tell this from a network failure`, {
        value: at, unit: 'ms', closeCode, verdict: 'protocol-error',
        evidence: [`${describeClosed(s)} after ${fmtMs(at)}`, `${spec.rfc}: expected close ${describeCode(spec.expected)}`],
      });
    },
  };
}
