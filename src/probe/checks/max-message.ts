import { formatBytes } from '../../net/size.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import type { Session } from '../session.js';
import { describeCode, pattern, roundTrip, verdictOf, type Exchange } from '../steps.js';

/** A size every sane path carries; if even this fails there is no threshold to search for. */
const SMALL = 1024;

/**
 * Binary search for the largest message echoed intact, up to --max-size. Hops and servers cap
 * messages silently or with 1009 (Easegress 32768, many servers 65536, ws 100 MiB); the
 * exact figure is what a user compares with the hop's configuration. A failed size leaves
 * the connection dead or in doubt, so the next size gets a fresh one; a passing size keeps it.
 */
export const maxMessageCheck: Check = {
  ...checkInfo('max-message'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const max = ctx.settings.maxSize;
    const bytes = pattern(max, 99);
    let session: Session | undefined;
    let tries = 0;
    const attempt = async (size: number): Promise<Exchange> => {
      session ??= await ctx.open();
      tries++;
      const r = await roundTrip(session, bytes.subarray(0, size), true, ctx.wait(ctx.settings.timeoutMs));
      if (!r.ok) {
        session.destroy();
        session = undefined;
      }
      return r;
    };

    const small = Math.min(SMALL, max);
    const first = await attempt(small);
    if (!first.ok) {
      return outcome('fail', `even a ${formatBytes(small)} message is not echoed`, {
        value: 0, unit: 'bytes', closeCode: first.closeCode, evidence: [`${small} B: ${first.why}`], verdict: verdictOf(first.kind, first.closeCode),
      });
    }
    const top = small === max ? first : await attempt(max);
    if (top.ok) {
      return outcome('pass', `messages up to --max-size (${formatBytes(max)}) come back intact`, {
        value: max, unit: 'bytes', evidence: [`${max} B echoed in ${Math.round(top.ms)} ms`], data: { limitFound: false, tries },
      });
    }

    let lo = small;
    let hi = max;
    let failure: Extract<Exchange, { ok: false }> = top;
    while (hi - lo > 1 && ctx.remaining() > 0) {
      const mid = Math.floor((lo + hi) / 2);
      const r = await attempt(mid);
      if (r.ok) lo = mid;
      else {
        hi = mid;
        failure = r;
      }
    }
    const exact = hi - lo === 1;
    const fail = failure;
    // A timeout is either a cap that drops silently or a path too slow for --timeout: say so.
    const how = fail.closeCode !== null ? `close ${describeCode(fail.closeCode)}`
      : fail.kind === 'timeout' ? 'no echo within --timeout (a silent cap, or a path too slow: raise --timeout to tell)' : fail.why;
    return outcome('fail', exact
      ? `largest message echoed: ${lo} bytes; ${hi} bytes → ${how}`
      : `limit between ${lo} and ${hi} bytes (search stopped at --max-wait); ${hi} bytes → ${how}`, {
      value: lo, unit: 'bytes', closeCode: fail.closeCode, verdict: 'message-too-big',
      next: `keep messages at or under ${lo} bytes, or raise the cap of the hop or server that refused ${hi} (bypass hops one at a time, or \`wstrace bisect\`, to find it)`,
      evidence: [`${lo} B (${formatBytes(lo)}) echoed`, `${hi} B: ${fail.why}`, `${tries} tries, a fresh connection after each failed size`],
      data: { limitFound: exact, firstFailing: hi, tries },
    });
  },
};
