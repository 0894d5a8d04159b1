import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { describeCode, fmtMs, round1 } from '../steps.js';

/**
 * RFC 6455 §5.5.1 / §7.1.1: a close frame is answered with a close frame, and the server then
 * closes TCP first. A hop that swallows close frames leaves the client waiting for its own
 * deadline and then reporting 1006.
 */
export const closeReplyCheck: Check = {
  ...checkInfo('close-reply'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    s.autoCloseReply = false;
    const deadline = ctx.wait(ctx.settings.timeoutMs);
    s.sendClose(1000, 'wstrace probe');
    const t = s.closeSentAt!;
    const left = () => Math.max(0, deadline - (performance.now() - t));
    const frame = await s.waitCloseFrame(deadline);
    const tcp = await s.waitTcpEnd(left());
    const frameMs = frame ? round1(frame.at - t) : null;
    const tcpMs = tcp !== undefined ? round1(tcp - t) : null;
    const data = { closeFrameMs: frameMs, tcpCloseMs: tcpMs, deadlineMs: deadline };

    if (frame && tcpMs !== null) {
      const evidence = [`close frame ${describeCode(frame.code)} after ${fmtMs(frameMs!)}`, `peer closed TCP after ${fmtMs(tcpMs)}`];
      if (frame.code !== 1000) evidence.push(`answered ${frame.code} to our 1000 (§5.5.1: typically the same code is echoed)`);
      return outcome('pass', 'close answered and TCP closed by the peer', { value: tcpMs, unit: 'ms', closeCode: frame.code, evidence, data });
    }
    if (frame) {
      return outcome('warn', `close answered, but the peer kept TCP open for ${fmtMs(deadline)} (RFC 6455 §7.1.1: the server closes first)`, {
        value: deadline, unit: 'ms', closeCode: frame.code, data,
        evidence: [`close frame ${describeCode(frame.code)} after ${fmtMs(frameMs!)}`, `TCP still open at the ${fmtMs(deadline)} deadline`],
      });
    }
    if (tcpMs !== null) {
      return outcome('fail', 'our close frame was never answered: the connection was dropped instead (clients see 1006)', {
        value: tcpMs, unit: 'ms', closeCode: 1006, verdict: 'close-unanswered', data,
        evidence: [`no close frame; TCP ${s.socketError ? `reset (${s.socketError})` : 'closed'} after ${fmtMs(tcpMs)}`],
      });
    }
    return outcome('fail', `no close frame and TCP still open after the ${fmtMs(deadline)} deadline`, {
      value: deadline, unit: 'ms', closeCode: null, verdict: 'close-unanswered', data,
      evidence: [`sent close 1000, waited ${fmtMs(deadline)} (--timeout): no close frame, TCP still open`],
    });
  },
};
