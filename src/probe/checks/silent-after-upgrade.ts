import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { describeCode, fmtMs, seconds } from '../steps.js';

/**
 * A client that upgrades and then goes mute (no frames, no pongs, no close reply), like a
 * crashed browser tab behind a NAT. Servers with heartbeats (pings + a deadline) or hops with
 * idle timeouts drop it; the figure is how long a dead client holds a connection.
 */
export const silentAfterUpgradeCheck: Check = {
  ...checkInfo('silent-after-upgrade'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    s.autoPong = false;
    s.autoCloseReply = false;
    const end = await s.waitTcpEnd(ctx.remaining());
    const pings = s.pings.length ? `${s.pings.length} ping(s) from the peer went unanswered` : 'the peer sent no pings';
    if (end === undefined) {
      const waited = performance.now() - s.openedAt;
      return outcome('warn', `still open after ${fmtMs(waited)}: a client that dies silently holds its connection`, {
        value: seconds(waited), unit: 's', closeCode: null,
        evidence: [pings, s.closeFrame ? `close ${describeCode(s.closeFrame.code)} came but TCP stayed open` : 'no close frame'],
        next: 'enable server heartbeats (ping + deadline) or an idle timeout on a hop',
      });
    }
    const after = end - s.openedAt;
    const how = s.closeFrame ? `after close ${describeCode(s.closeFrame.code)}` : 'without a close frame (1006)';
    return outcome('pass', `dropped a silent client after ${fmtMs(after)}, ${how}`, {
      value: seconds(after), unit: 's', closeCode: s.closeCode ?? 1006, evidence: [pings, `TCP ended ${fmtMs(after)} after the 101`],
    });
  },
};
