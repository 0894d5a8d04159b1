import { adviceFor } from '../../diagnose/identify.js';
import { Opcode } from '../../protocol/frame.js';
import { outcome, type Check, type CheckContext, type CheckOutcome, type CheckStatus } from '../check.js';
import { checkInfo } from '../catalog.js';
import { describeCode, fmtMs, seconds } from '../steps.js';

type Mode = 'idle' | 'ping' | 'pong';

interface Run {
  mode: Mode;
  /** Since the 101; undefined while it survived the whole window. */
  closedAfterMs?: number;
  /** Idle age when it closed. */
  idleMs?: number;
  /** The close frame's code, or 1006 for a bare drop. */
  closeCode?: number;
  observedMs: number;
}

/**
 * The idle age at which the path closes a quiet connection, and how: a close frame (1000/1001,
 * announced) or a bare drop (1006, what nginx proxy_read_timeout, HAProxy timeout tunnel and
 * cloud load balancers do). With --keepalive D two more connections run at the same time, one
 * pinging every D, one sending bare pongs every D: pings make traffic both ways (the pong comes
 * back), bare pongs only client → server (RFC 6455 §5.5.3: unsolicited pongs get no answer), so
 * together they tell which direction's traffic resets the hop's timer.
 */
export const idleTimeoutCheck: Check = {
  ...checkInfo('idle-timeout'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const every = ctx.settings.keepaliveMs;
    const modes: Mode[] = every ? ['idle', 'ping', 'pong'] : ['idle'];
    const [idle, ping, pong] = await Promise.all(modes.map((m) => observe(ctx, m, every ?? 0)));
    const evidence: string[] = [describeRun(idle!)];
    let status: CheckStatus = idle!.closedAfterMs === undefined ? 'pass' : idle!.closeCode === 1006 ? 'fail' : 'warn';
    let summary = idle!.closedAfterMs === undefined
      ? `no idle timeout within ${fmtMs(idle!.observedMs)}`
      : `closed at ${fmtMs(idle!.idleMs!)} idle, ${idle!.closeCode === 1006 ? 'no close frame (1006)' : `with close ${describeCode(idle!.closeCode!)}`}`;
    let verdict: 'idle-timeout' | 'max-lifetime' = 'idle-timeout';
    if (ping && pong) {
      evidence.push(describeRun(ping, every), describeRun(pong, every));
      const pingAlive = ping.closedAfterMs === undefined;
      const pongAlive = pong.closedAfterMs === undefined;
      if (idle!.closedAfterMs === undefined && pingAlive && pongAlive) summary += '; with keepalive too';
      else if (pingAlive && pongAlive) summary += `; pings every ${fmtMs(every!)} keep it alive (client traffic alone resets the timer)`;
      else if (pingAlive) summary += `; pings every ${fmtMs(every!)} keep it alive, bare pongs do not: the path counts only server → client traffic`;
      else if (pongAlive) summary += `; bare pongs every ${fmtMs(every!)} keep it alive but pings do not (odd: check the hop's ping handling)`;
      else {
        summary += `; pings every ${fmtMs(every!)} do NOT keep it alive (closed after ${fmtMs(ping.closedAfterMs!)})`;
        status = 'fail';
        if (idle!.closedAfterMs !== undefined && Math.abs(ping.closedAfterMs! - idle!.closedAfterMs) < 500) verdict = 'max-lifetime';
      }
    }
    const closed = idle!.closedAfterMs !== undefined;
    return outcome(status, summary, {
      value: seconds(closed ? idle!.idleMs! : idle!.observedMs), unit: 's', closeCode: closed ? idle!.closeCode! : null, evidence,
      ...(status === 'pass' ? {} : { verdict }),
      // The 101 may name the hop's software, and so the exact setting (proxy_read_timeout…).
      ...(status !== 'pass' && ctx.peer.software?.length ? { next: adviceFor(ctx.peer.software, 'idle') } : {}),
      data: { runs: [idle, ping, pong].filter(Boolean).map((r) => ({ ...r, closedAfterMs: r!.closedAfterMs === undefined ? null : Math.round(r!.closedAfterMs), idleMs: r!.idleMs === undefined ? null : Math.round(r!.idleMs), observedMs: Math.round(r!.observedMs) })), keepaliveMs: every ?? null },
    });
  },
};

async function observe(ctx: CheckContext, mode: Mode, everyMs: number): Promise<Run> {
  const s = await ctx.open();
  let seq = 0;
  const tick = () => {
    const payload = Buffer.from(`wstrace-keepalive-${seq++}`);
    s.sendFrame({ opcode: mode === 'ping' ? Opcode.PING : Opcode.PONG, payload });
  };
  const timer = mode === 'idle' ? undefined : setInterval(tick, everyMs);
  try {
    // A close frame counts as the end: whether TCP follows is close-reply's business.
    const at = await s.until(() => s.closeFrame?.at ?? s.peerEndAt ?? s.closedAt, ctx.remaining());
    const observedMs = performance.now() - s.openedAt;
    if (at === undefined) return { mode, observedMs };
    return { mode, closedAfterMs: at - s.openedAt, idleMs: s.idleMsAtEnd ?? 0, closeCode: s.closeCode ?? 1006, observedMs };
  } finally {
    clearInterval(timer);
    s.destroy();
  }
}

function describeRun(r: Run, every?: number): string {
  const label = r.mode === 'idle' ? 'idle connection' : `${r.mode === 'ping' ? 'pings' : 'bare pongs'} every ${fmtMs(every!)}`;
  if (r.closedAfterMs === undefined) return `${label}: still open after ${fmtMs(r.observedMs)}`;
  const how = r.closeCode === 1006 ? 'no close frame (1006)' : `close ${describeCode(r.closeCode!)}`;
  return `${label}: closed ${fmtMs(r.closedAfterMs)} after the 101 (idle ${fmtMs(r.idleMs!)}), ${how}`;
}
