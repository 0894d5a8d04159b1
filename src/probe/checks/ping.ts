import { randomBytes } from 'node:crypto';
import { Opcode } from '../../protocol/frame.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { describeClosed, fmtMs, round1, roundTrip, verdictOf } from '../steps.js';

/** RFC 6455 §5.5.2-§5.5.3: a ping gets a pong with the same payload; an unsolicited pong is ignored. */
export const pingCheck: Check = {
  ...checkInfo('ping'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    const ms = ctx.settings.timeoutMs;
    const payload = randomBytes(8);
    const t = performance.now();
    s.sendFrame({ opcode: Opcode.PING, payload });
    const pong = await s.waitPong(payload, ctx.wait(ms));
    if (!pong) {
      const other = s.pongs.map((p) => p.payload.toString('hex'));
      const why = other.length
        ? `pong(s) came back with other payloads: ${other.join(', ')} (sent ${payload.toString('hex')}; §5.5.3 wants it echoed)`
        : s.closed || s.closeFrame ? describeClosed(s) : `no pong within ${fmtMs(ms)}`;
      return outcome('fail', 'our ping was not answered', {
        value: round1(performance.now() - t), unit: 'ms', closeCode: s.closeCode ?? null, evidence: [why],
        verdict: other.length ? 'protocol-error' : s.closeCode !== undefined ? 'connection-dropped' : 'half-open',
      });
    }
    const rtt = round1(pong.at - t);
    s.sendFrame({ opcode: Opcode.PONG, payload: Buffer.from('wstrace-unsolicited-pong') });
    const after = await roundTrip(s, Buffer.from('still there after an unsolicited pong?'), false, ctx.wait(ms));
    if (!after.ok) {
      return outcome('fail', 'an unsolicited pong broke the connection (RFC 6455 §5.5.3: it must be ignored)', {
        value: rtt, unit: 'ms', closeCode: after.closeCode, evidence: [`pong answered in ${fmtMs(rtt)}`, `after an unsolicited pong: ${after.why}`],
        verdict: verdictOf(after.kind, after.closeCode),
      });
    }
    return outcome('pass', 'pong with the same payload; an unsolicited pong is ignored', {
      value: rtt, unit: 'ms', evidence: [`ping ${payload.toString('hex')} answered in ${fmtMs(rtt)}`, 'echo still works after an unsolicited pong'],
    });
  },
};
