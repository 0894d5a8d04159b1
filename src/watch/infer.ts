import { carriesTraffic, type Pattern } from './patterns.js';
import type { Drop, Limit, LimitKind } from './types.js';

/** Drops this close in wall time are one event: a drain, not independent deaths. */
export const BURST_MS = 100;
/** Drops kept for inference: a fixed window, so memory is flat however long the watch runs. */
const KEEP = 64;

/** Two figures are the same limit when they differ by at most this (ms). */
export function tolerance(ms: number): number {
  return Math.max(250, ms * 0.1);
}

export interface LiveSlot {
  conn: number;
  pattern: Pattern;
  /** Age of its open connection, ms; undefined while it reconnects. */
  ageMs: number | undefined;
}

/**
 * Turns drops into the path's limits, each only once the drops make it certain:
 * - periodic-reset: ≥ 3 bursts (most held connections, at least 2, dropping within BURST_MS) at a
 *   steady interval; connections opened at different times die together: the clock, not their age.
 *   "Most" keeps two connections that drift into step under a lifetime cap from looking like one.
 * - max-lifetime: every traffic-carrying connection died at the same age, at different moments
 *   (connections start STAGGER_MS apart, so a lifetime cap cuts them one by one).
 * - idle-timeout: silent connections died twice at the same idle time, while a connection with
 *   pings or messages outlived that by a margin; whether a client-only (pong) connection outlived
 *   it tells which direction's traffic resets the hop's timer.
 */
export class LimitInference {
  readonly #recent: Drop[] = [];
  readonly #limits = new Map<LimitKind, Limit>();

  /** `held`: how many connections the watch holds. */
  constructor(private readonly intervalMs: number, private readonly held: number) {}

  add(d: Drop): void {
    this.#recent.push(d);
    if (this.#recent.length > KEEP) this.#recent.shift();
  }

  get limits(): Limit[] {
    return [...this.#limits.values()];
  }

  /** Re-evaluates; returns the limits that became certain or changed value since last time. */
  evaluate(slots: LiveSlot[]): Limit[] {
    const found = [this.#periodic(), this.#lifetime(slots), this.#idle(slots)].filter((l): l is Limit => l !== undefined);
    const changed: Limit[] = [];
    for (const l of found) {
      if (l.kind === 'max-lifetime' && this.#limits.has('periodic-reset')) continue;
      const before = this.#limits.get(l.kind);
      if (before && Math.abs(before.value - l.value) * 1000 <= tolerance(before.value * 1000) && before.resetBy === l.resetBy) continue;
      this.#limits.set(l.kind, l);
      changed.push(l);
    }
    return changed;
  }

  #periodic(): Limit | undefined {
    const bursts: { t: number; conns: Set<number>; ages: number[] }[] = [];
    for (const d of this.#recent) {
      const last = bursts.at(-1);
      if (last && d.t - last.t <= BURST_MS) {
        last.conns.add(d.conn);
        last.ages.push(d.ageMs);
      } else bursts.push({ t: d.t, conns: new Set([d.conn]), ages: [d.ageMs] });
    }
    const most = Math.max(2, Math.ceil(this.held * 0.75));
    const together = bursts.filter((b) => b.conns.size >= most).slice(-4);
    if (together.length < 3) return undefined;
    const gaps = together.slice(1).map((b, i) => b.t - together[i]!.t);
    const period = median(gaps);
    if (spread(gaps) > tolerance(period)) return undefined;
    const ages = together.flatMap((b) => b.ages);
    return {
      kind: 'periodic-reset', value: secs(period), pingsHelp: false, drops: ages.length,
      evidence: [
        `${together.length} times, ${Math.max(...together.map((b) => b.conns.size))} connections dropped within ${BURST_MS} ms of each other, every ${s(period)}`,
        `their ages differed (${s(Math.min(...ages))} to ${s(Math.max(...ages))}): the cut follows a clock, not the connection's age (a drain, a config push, a rolling restart)`,
      ],
    };
  }

  #lifetime(slots: LiveSlot[]): Limit | undefined {
    const traffic = slots.filter((sl) => carriesTraffic(sl.pattern));
    if (traffic.length < 2) return undefined;
    const drops = traffic.map((sl) => this.#lastDrop(sl.conn)).filter((d) => d !== undefined);
    if (drops.length < traffic.length) return undefined;
    const ages = drops.map((d) => d.ageMs);
    const age = median(ages);
    if (spread(ages) > tolerance(age)) return undefined;
    const times = drops.map((d) => d.t).sort((a, b) => a - b);
    if (times.some((t, i) => i > 0 && t - times[i - 1]! <= BURST_MS)) return undefined;
    // A connection alive well past that age disproves a cap.
    if (traffic.some((sl) => sl.ageMs !== undefined && sl.ageMs > age + tolerance(age))) return undefined;
    const ping = drops.find((d) => d.pattern === 'ping');
    return {
      kind: 'max-lifetime', value: secs(age), pingsHelp: false, drops: drops.length,
      evidence: [
        `every connection with traffic (${drops.map((d) => d.pattern).join(', ')}) died at ${s(age)} of age, each at its own moment`,
        ping ? `the ping connection died with its last frame received ${s(ping.idleDownMs)} before: pings do not help` : 'traffic did not keep them alive',
      ],
    };
  }

  #idle(slots: LiveSlot[]): Limit | undefined {
    const silent = this.#recent.filter((d) => d.pattern === 'silent').slice(-2);
    if (silent.length < 2) return undefined;
    const idles = silent.map((d) => Math.min(d.idleUpMs, d.idleDownMs));
    const idle = median(idles);
    if (spread(idles) > tolerance(idle)) return undefined;
    const margin = Math.max(tolerance(idle), this.intervalMs);
    // A ping or message connection that died at that same age contradicts "traffic keeps it alive",
    // however long another one lived (a loaded hop may fire its timer late once).
    if (this.#recent.some((d) => (d.pattern === 'ping' || d.pattern === 'message') && Math.abs(d.ageMs - idle) <= tolerance(idle))) return undefined;
    const outlived = (p: Pattern) => slots.some((sl) => sl.pattern === p && this.#longest(sl) > idle + margin);
    const keptBy = (['ping', 'message'] as const).filter(outlived);
    if (keptBy.length === 0) return undefined;
    let resetBy: Limit['resetBy'] = 'unknown';
    const evidence = [
      `silent connections died after ${idles.map(s).join(' and ')} without traffic`,
      `connections with ${keptBy.map((p) => (p === 'ping' ? 'pings' : 'messages')).join(' or ')} every ${s(this.intervalMs)} outlived that`,
    ];
    if (slots.some((sl) => sl.pattern === 'pong')) {
      if (outlived('pong')) {
        resetBy = 'client';
        evidence.push('a connection sending only client→server pongs outlived it too: the client\'s traffic resets the timer');
      } else {
        const pong = this.#recent.filter((d) => d.pattern === 'pong').at(-1);
        if (!pong || Math.abs(pong.idleDownMs - idle) > tolerance(idle)) return undefined;
        resetBy = 'server';
        evidence.push(`a connection sending only client→server pongs died ${s(pong.idleDownMs)} after it last received: only the server's traffic resets the timer`);
      }
    }
    return { kind: 'idle-timeout', value: secs(idle), resetBy, pingsHelp: keptBy.includes('ping'), drops: silent.length, evidence };
  }

  #lastDrop(conn: number): Drop | undefined {
    for (let i = this.#recent.length - 1; i >= 0; i--) if (this.#recent[i]!.conn === conn) return this.#recent[i];
    return undefined;
  }

  /** The longest this slot is known to have lived: its open connection or its last drop. */
  #longest(sl: LiveSlot): number {
    return Math.max(sl.ageMs ?? 0, this.#lastDrop(sl.conn)?.ageMs ?? 0);
  }
}

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

function spread(xs: number[]): number {
  return Math.max(...xs) - Math.min(...xs);
}

function secs(ms: number): number {
  return Math.round(ms) / 1000;
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
