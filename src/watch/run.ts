import { closeHandshake, makePayload } from '../client/exchange.js';
import { warmUp } from '../client/warmup.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import type { LimitFields, Reporter, WatchEvent } from '../events.js';
import { connectOnce } from './connect.js';
import { failOnMet, type FailOn } from './fail-on.js';
import { HeldSlot, type SlotHost } from './held.js';
import { WATCH_MESSAGE } from './patterns.js';
import { BURST_MS, LimitInference } from './infer.js';
import type { WatchMetrics } from './metrics.js';
import { WatchStats, type SummaryFigures } from './stats.js';
import type { Drop, HandshakeRecord, Limit, WatchOptions } from './types.js';

/** How often limits are re-judged between drops (a connection outliving a timeout is news too). */
const INFER_EVERY_MS = 1_000;

export interface WatchStatus {
  t: number;
  open: number;
  held: number;
  stats: WatchStats;
}

export interface WatchExtras {
  failOn: FailOn[];
  metrics?: WatchMetrics | undefined;
  /** Aborting ends the watch early (Ctrl-C), with the same final summary. */
  signal?: AbortSignal | undefined;
  /** Called every second for a live status line. */
  status?: ((s: WatchStatus) => void) | undefined;
}

export interface WatchResult {
  ok: boolean;
  failed: { condition: string; detail: string }[];
  totals: SummaryFigures;
  limits: Limit[];
  verdict?: Verdict;
}

/**
 * Holds one connection per pattern (× perPattern) until --for or the signal, a fresh handshake
 * every --every, and reports drops, limits as they become certain, and periodic summaries.
 * Every timer is created here or in a slot and cleared at stop; nothing outlives the run.
 */
export async function runWatch(o: WatchOptions, reporter: Reporter<WatchEvent>, x: WatchExtras): Promise<WatchResult> {
  // The first handshakes' figures must be the path's, not the client code's first run.
  await warmUp({ tls: o.target.secure });
  const t0 = performance.now();
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000;
  const emit = (ev: WatchEvent) => reporter.emit(ev);
  const stats = new WatchStats();
  const infer = new LimitInference(o.intervalMs, o.patterns.length * o.perPattern);
  const slots: HeldSlot[] = [];
  let lastFailure: HandshakeRecord | undefined;

  const judge = () => {
    const live = slots.map((sl) => ({ conn: sl.conn, pattern: sl.pattern, ageMs: sl.age(now()) }));
    for (const l of infer.evaluate(live)) {
      x.metrics?.limit(l);
      emit({ event: 'limit', t: now(), ...limitFields(l) });
    }
  };
  const openCount = () => slots.filter((sl) => sl.isOpen).length;
  const onHandshake = (h: HandshakeRecord) => {
    stats.handshake(h);
    x.metrics?.handshake(h);
    if (!h.ok) lastFailure = h;
    emit({ event: 'handshake', t: h.t, purpose: h.purpose, ok: h.ok, ms: Math.round(h.ms * 1000) / 1000, status: h.status ?? null, ...(h.ok ? {} : { code: h.code, summary: h.summary }) });
  };
  const lastDropAt = new Map<number, number>();
  const host: SlotHost = {
    droppedWith: (c, t) => [...lastDropAt].some(([other, at]) => other !== c && Math.abs(at - t) <= BURST_MS),
    connect: () => connectOnce(o),
    now,
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    message: messageOf(o),
    handshake: onHandshake,
    opened: () => x.metrics?.open(openCount()),
    dropped: (d: Drop) => {
      lastDropAt.set(d.conn, d.t);
      stats.drop(d);
      infer.add(d);
      x.metrics?.drop(d);
      x.metrics?.open(openCount());
      emit({
        event: 'drop', t: d.t, conn: d.conn, pattern: d.pattern, ageMs: round(d.ageMs), idleUpMs: round(d.idleUpMs), idleDownMs: round(d.idleDownMs),
        cause: d.cause, closeCode: d.closeCode, reason: d.reason, errorCode: d.errorCode ?? null,
      });
      judge();
    },
  };

  let conn = 1;
  for (const pattern of o.patterns) for (let i = 0; i < o.perPattern; i++) slots.push(new HeldSlot(conn++, pattern, host));

  emit({
    event: 'watch', url: o.target.url.href, patterns: o.patterns, connections: slots.length, intervalMs: o.intervalMs, everyMs: o.everyMs,
    forMs: o.forMs ?? null, summaryMs: o.summaryMs,
  });
  for (const sl of slots) sl.start();

  // The fresh handshake every --every: at most one in flight, so a slow path never piles them up.
  let probing: Promise<void> | undefined;
  const probe = () => {
    if (probing) return;
    const t = now();
    probing = (async () => {
      const c = await connectOnce(o);
      onHandshake({ t, purpose: 'probe', ok: c.ok, ms: c.ms, status: c.status, code: c.ok ? undefined : c.verdict.code, summary: c.ok ? undefined : c.verdict.summary });
      if (c.ok) {
        await closeHandshake(c.ws, o.timeoutMs);
        c.socket.destroy();
      }
    })().finally(() => (probing = undefined));
  };
  const summary = (final: boolean) =>
    emit({ event: 'summary', t: now(), final, open: openCount(), held: slots.length, window: stats.takeWindow(), ...stats.total(), limits: infer.limits.map(limitFields) });

  probe();
  const timers = [
    setInterval(probe, o.everyMs),
    setInterval(judge, INFER_EVERY_MS),
    setInterval(() => summary(false), o.summaryMs),
    ...(x.status ? [setInterval(() => x.status!({ t: now(), open: openCount(), held: slots.length, stats }), 1_000)] : []),
  ];

  await until(o.forMs, x.signal);

  for (const timer of timers) clearInterval(timer);
  await Promise.all(slots.map((sl) => sl.stop()));
  await probing;
  judge();
  summary(true);

  const totals = stats.total();
  const limits = infer.limits;
  const failed = x.failOn.flatMap((c) => {
    const detail = failOnMet(c, { drops: totals.drops, limits, handshakes: totals.handshakes });
    return detail ? [{ condition: c.text, detail }] : [];
  });
  const result: WatchResult = { ok: failed.length === 0, failed, totals, limits };
  if (!result.ok) result.verdict = verdictOf(totals, limits, lastFailure, failed);
  emit({ event: 'result', t: now(), ...result, limits: limits.map(limitFields) });
  return result;
}

/** --size generated bytes, else --message, else WATCH_MESSAGE; --binary as asked. */
function messageOf(o: WatchOptions): { data: string | Buffer; binary: boolean } {
  const c = o.connection;
  // makePayload is printable, so generated bytes can go as a text message too.
  return { data: c.size !== undefined ? makePayload(c.size, 1) : (c.message ?? WATCH_MESSAGE), binary: c.binary };
}

/** Resolves at `ms` (never when undefined) or when the signal aborts, whichever is first. */
function until(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = ms === undefined ? undefined : setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });
}

function verdictOf(t: SummaryFigures, limits: Limit[], lastFailure: HandshakeRecord | undefined, failed: { condition: string; detail: string }[]): Verdict {
  const evidence = failed.map((f) => `--fail-on ${f.condition}: ${f.detail}`);
  const limit = [...limits].sort((a, b) => a.value - b.value)[0];
  if (limit?.kind === 'idle-timeout') return verdict('idle-timeout', `the path drops connections idle for ${limit.value.toFixed(1)} s`, [...evidence, ...limit.evidence]);
  if (limit?.kind === 'max-lifetime') return verdict('max-lifetime', `the path cuts connections at ${limit.value.toFixed(1)} s of age, traffic or not`, [...evidence, ...limit.evidence]);
  if (limit?.kind === 'periodic-reset') {
    return verdict('connection-dropped', `the path drops every connection every ${limit.value.toFixed(1)} s, whatever its age`, [...evidence, ...limit.evidence],
      'find the hop that drains connections on a schedule (config pushes, rolling restarts, a reloading proxy) in its logs at those moments');
  }
  if (t.drops > 0) {
    if (t.byCause['no-pong'] >= t.drops / 2) return verdict('half-open', `${t.byCause['no-pong']} connections stopped answering pings`, evidence);
    if (t.byCause.close >= t.drops / 2) return verdict('peer-closed', `${t.byCause.close} connections were closed with a close frame`, evidence);
    return verdict('connection-dropped', `${t.drops} held connections dropped (${causes(t)})`, evidence);
  }
  if (lastFailure?.code) return verdict(lastFailure.code, lastFailure.summary ?? 'handshakes failed', evidence);
  return verdict('connection-dropped', failed[0]?.detail ?? 'a --fail-on condition held', evidence);
}

function causes(t: SummaryFigures): string {
  return Object.entries(t.byCause).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`).join(', ') || 'none';
}

/** A limit as the `limit` event, `summary` and `result` all carry it: the same fields each time. */
function limitFields(l: Limit): LimitFields {
  return { kind: l.kind, value: l.value, unit: 's', resetBy: l.resetBy ?? null, pingsHelp: l.pingsHelp, drops: l.drops, evidence: l.evidence };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
