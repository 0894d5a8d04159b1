import { CLOSE_REQUEST_PREFIX } from '../../constants.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { describeCode, fmtMs, seconds } from '../steps.js';

/**
 * The peer starts a close (RFC 6455 §7.1.2) and we never answer, like a client that froze or a
 * hop that swallows close frames. A peer should give up and drop TCP after its own deadline
 * (ws: 30 s; our endpoint: its --timeout); one that waits forever leaks a connection per
 * frozen client.
 */
export const unansweredCloseCheck: Check = {
  ...checkInfo('unanswered-close'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    s.autoCloseReply = false;
    const asked = Boolean(ctx.peer.endpoint);
    // Only our endpoint can be asked to close; anyone else we just wait for.
    if (asked) s.sendMessage(CLOSE_REQUEST_PREFIX, false);
    const frame = await s.waitCloseFrame(ctx.remaining());
    const waited = performance.now() - s.openedAt;
    if (!frame) {
      if (s.peerEndAt !== undefined) {
        return outcome('warn', 'the peer dropped TCP without starting a close handshake', {
          value: seconds(s.peerEndAt - s.openedAt), unit: 's', closeCode: 1006, verdict: 'connection-dropped',
          evidence: [`${asked ? 'asked the endpoint to close; ' : ''}no close frame, TCP ended after ${fmtMs(s.peerEndAt - s.openedAt)}`],
        });
      }
      if (asked) {
        return outcome('fail', 'asked the endpoint to start a close: no close frame reached us', {
          value: seconds(waited), unit: 's', closeCode: null, verdict: 'close-unanswered',
          evidence: [`sent "${CLOSE_REQUEST_PREFIX}" to wstrace endpoint "${ctx.peer.endpoint}"; no close frame within ${fmtMs(waited)}: a hop swallows close frames`],
        });
      }
      return outcome('warn', 'the peer never started a close within --max-wait: nothing to measure', {
        value: null, unit: null, closeCode: null,
        evidence: [`waited ${fmtMs(waited)}; only a wstrace endpoint can be asked to close (text message "${CLOSE_REQUEST_PREFIX}")`],
      });
    }
    // The peer's close timer starts at its close frame, not at our check's start: give it
    // --max-wait from there, or the bound it announced (our endpoint says it in the reason),
    // whichever is longer, plus room for the timer to fire late on a loaded machine.
    const announced = Number(/dropped after (\d+) ms/.exec(frame.reason)?.[1] ?? 0);
    const bound = Math.max(ctx.settings.maxWaitMs, announced);
    ctx.extendTo(frame.at + bound + slack(bound));
    const end = await s.waitTcpEnd(ctx.remaining());
    const closeText = `close ${describeCode(frame.code)}${frame.reason ? ` "${frame.reason}"` : ''}`;
    if (end === undefined) {
      const open = performance.now() - frame.at;
      return outcome('fail', `still open ${fmtMs(open)} after its unanswered close: the peer waits at least that long for our reply`, {
        value: seconds(open), unit: 's', closeCode: frame.code, verdict: 'close-unanswered',
        evidence: [`peer sent ${closeText}; we never answered; TCP still open ${fmtMs(open)} later (--max-wait ${fmtMs(ctx.settings.maxWaitMs)} from its close)`],
        next: 'give the server (and every hop) a close timeout so frozen clients cannot pin connections (ws: 30 s by default)',
      });
    }
    const after = end - frame.at;
    return outcome('pass', `the peer dropped TCP ${fmtMs(after)} after its unanswered close`, {
      value: seconds(after), unit: 's', closeCode: frame.code,
      evidence: [`peer sent ${closeText}${asked ? ' when asked' : ''}; TCP ${s.socketError ? `reset (${s.socketError})` : 'closed'} ${fmtMs(after)} later`],
    });
  },
};

/** Late-timer room: 5 % of the bound plus 250 ms. */
function slack(ms: number): number {
  return ms * 0.05 + 250;
}
