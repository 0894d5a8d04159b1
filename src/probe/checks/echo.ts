import { Opcode } from '../../protocol/frame.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import type { Session } from '../session.js';
import { expectEcho, fmtMs, pattern, roundTrip, verdictOf, type Exchange } from '../steps.js';

interface Case {
  name: string;
  run(s: Session, ms: number): Promise<Exchange>;
}

const binary = (size: number): Case => ({
  name: `binary ${size} B`,
  run: (s, ms) => roundTrip(s, pattern(size, size), true, ms),
});

/**
 * The framing edges a hop re-framing traffic gets wrong: the 7/16/64-bit length boundaries
 * (RFC 6455 §5.2: 125, 126, 65535, 65536), an empty message, fragmentation (§5.4) and a control
 * frame between fragments (§5.4: "control frames MAY be injected in the middle").
 */
const CASES: Case[] = [
  { name: 'text', run: (s, ms) => roundTrip(s, Buffer.from('wstrace probe: héllo ✓'), false, ms) },
  { name: 'binary', run: (s, ms) => roundTrip(s, pattern(64, 7), true, ms) },
  { name: 'empty text', run: (s, ms) => roundTrip(s, Buffer.alloc(0), false, ms) },
  binary(125),
  binary(126),
  binary(65535),
  binary(65536),
  {
    name: 'fragmented text (3 frames)',
    run(s, ms) {
      const parts = ['wstrace ', 'fragmented ', 'message'];
      const t = performance.now();
      parts.forEach((p, i) => s.sendFrame({ opcode: i === 0 ? Opcode.TEXT : Opcode.CONTINUATION, fin: i === parts.length - 1, payload: p }));
      return expectEcho(s, Buffer.from(parts.join('')), false, ms, t);
    },
  },
  {
    name: 'ping between fragments',
    async run(s, ms) {
      const a = pattern(300, 1);
      const b = pattern(200, 2);
      const tag = Buffer.from('wstrace-interleaved');
      const from = s.pongs.length;
      const t = performance.now();
      s.sendFrame({ opcode: Opcode.BINARY, fin: false, payload: a });
      s.sendFrame({ opcode: Opcode.PING, payload: tag });
      s.sendFrame({ opcode: Opcode.CONTINUATION, fin: true, payload: b });
      const echo = await expectEcho(s, Buffer.concat([a, b]), true, ms, t);
      if (!echo.ok) return echo;
      const pong = await s.waitPong(tag, Math.max(0, ms - (performance.now() - t)), from);
      return pong ? echo : { ok: false, kind: 'timeout', why: 'the message came back but the ping sent between its fragments got no pong', closeCode: null };
    },
  },
];

export const echoCheck: Check = {
  ...checkInfo('echo'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    const ms = ctx.settings.timeoutMs;
    let slowest = 0;
    for (const [i, c] of CASES.entries()) {
      const r = await c.run(s, ctx.wait(ms));
      if (!r.ok) {
        return outcome('fail', `case "${c.name}" failed after ${i} of ${CASES.length} passed`, {
          value: i, unit: 'cases', closeCode: r.closeCode, evidence: [`${c.name}: ${r.why}`],
          verdict: verdictOf(r.kind, r.closeCode),
        });
      }
      slowest = Math.max(slowest, r.ms);
    }
    return outcome('pass', `all ${CASES.length} framing cases echoed intact`, {
      value: CASES.length, unit: 'cases', evidence: [`${CASES.map((c) => c.name).join(', ')}; slowest ${fmtMs(slowest)}`],
    });
  },
};
