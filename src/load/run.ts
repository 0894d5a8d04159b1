import { DEFAULT_MESSAGE } from '../constants.js';
import { verdict, type Verdict, type VerdictCode } from '../diagnose/catalogue.js';
import { connectAndUpgrade, round } from '../client/connect.js';
import { makePayload } from '../client/exchange.js';
import { resolveClientOptions, type ResolvedClientOptions } from '../client/options.js';
import type { LoadEvent, LoadResultEvent, LoadSummary, Reporter } from '../events.js';
import type { WebSocket } from 'ws';
import { LoadConnection, type Driver } from './connection.js';
import { Histogram } from './histogram.js';
import { DEFAULT_LOAD_DURATION_MS, DEFAULT_OPEN_PARALLEL, DEFAULT_RATE_PIPELINE, type LoadOptions } from './options.js';

export interface LoadResult extends LoadSummary {
  ok: boolean;
  url: string;
  totalMs: number;
  verdict?: Verdict;
}

/**
 * Opens `connections` WebSockets (at most `openParallel` handshakes at a time), then echoes:
 * closed loop (each connection keeps `pipeline` messages in flight) or open loop (`rate`
 * messages per second over all connections, each sent at its intended time when a slot is free).
 * Stops after `count` messages or `durationMs`, drains, closes every connection under the
 * per-phase deadline, and emits one `load` event then one `result`. Never throws for network
 * trouble: every failure is counted under its verdict code.
 */
export async function runLoad(opts: LoadOptions, reporter: Reporter<LoadEvent | LoadResultEvent>): Promise<LoadResult> {
  const o = resolveClientOptions({ ...opts.client, count: 0, inspect: false });
  const t0 = performance.now();
  const payload = opts.size !== undefined ? makePayload(opts.size, 1) : Buffer.from(opts.message ?? DEFAULT_MESSAGE);
  const binary = opts.binary ?? false;
  const rate = opts.rate;
  const pipeline = opts.pipeline ?? (rate ? DEFAULT_RATE_PIPELINE : 1);
  const count = opts.count;
  const durationMs = opts.durationMs ?? (count === undefined ? DEFAULT_LOAD_DURATION_MS : undefined);

  const latency = new Histogram();
  const handshakes = new Histogram();
  const errors = new Map<VerdictCode, { n: number; example: Verdict }>();
  const countError = (v: Verdict) => {
    const e = errors.get(v.code);
    if (e) e.n++;
    else errors.set(v.code, { n: 1, example: v });
  };

  let stopped = false;
  const stopController = new AbortController();
  const onAbort = () => stopController.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stopController.abort();

  let issued = 0;
  let outstanding = 0;
  let replied = 0;
  let unsent = 0;
  let sinceProgress = 0;
  let tStart = performance.now();
  let tEnd = tStart;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let messagePhase = false;
  let live = 0;
  const conns: LoadConnection[] = [];
  const driver: Driver = {
    ticket() {
      // With --rate only the pacer issues messages: a reply must not trigger a send.
      if (rate || stopped || (count !== undefined && issued >= count)) return false;
      issued++;
      outstanding++;
      if (count !== undefined && issued >= count) stopIssuing(false);
      return true;
    },
    replied(ms) {
      latency.record(ms);
      replied++;
      sinceProgress++;
      outstanding--;
      tEnd = performance.now();
      if (stopped && outstanding === 0) finish();
    },
    failed(conn, v) {
      countError(v);
      outstanding -= conn.inFlight + conn.backlog;
      conn.dropBacklog();
      live--;
      if (messagePhase && live === 0) stopIssuing();
      if (stopped && outstanding <= 0) finish();
    },
  };

  const timers: { ticker?: NodeJS.Timeout; duration?: NodeJS.Timeout; pacer?: NodeJS.Timeout } = {};
  /**
   * No more messages. At --duration (or Ctrl-C) rate-mode sends that were due but still wait for
   * a slot are dropped and reported as unsent; when --count is reached they still go out.
   */
  function stopIssuing(dropBacklog = true): void {
    if (!stopped) {
      stopped = true;
      clearTimeout(timers.pacer);
      clearTimeout(timers.duration);
    }
    if (dropBacklog) {
      for (const c of conns) {
        const n = c.dropBacklog();
        unsent += n;
        outstanding -= n;
      }
    }
    if (outstanding <= 0) finish();
  }

  // ---- open phase
  await openAll(o, opts.connections, opts.openParallel ?? DEFAULT_OPEN_PARALLEL, stopController.signal, handshakes, countError, (ws, marker) => {
    conns.push(new LoadConnection(ws, payload, payload, binary, pipeline, driver, marker));
    live++;
  });

  // ---- message phase
  messagePhase = true;
  stopController.signal.addEventListener('abort', () => stopIssuing(), { once: true });

  if (live === 0 || stopController.signal.aborted || count === 0) stopIssuing();
  tStart = performance.now();
  tEnd = tStart;
  if (!stopped) {
    if (durationMs !== undefined) timers.duration = setTimeout(() => stopIssuing(), durationMs);
    let lastProgress = tStart;
    const progressEvery = opts.progressIntervalMs ?? 1_000;
    // One ticker owns the per-message deadline and the progress report.
    timers.ticker = setInterval(() => {
      const now = performance.now();
      // Safety net for the accounting: once stopped, the run is over when nothing is in flight.
      if (stopped && conns.every((c) => !c.open || (c.inFlight === 0 && c.backlog === 0))) finish();
      for (const c of conns) {
        if (c.open && c.oldestAge(now) > o.timeoutMs) {
          c.fail(verdict('half-open', `no echo within ${o.timeoutMs} ms and no close: the connection looks open but nothing comes back`, [
            `${c.inFlight} message(s) of ${payload.length} B unanswered on one connection after ${c.echoes} echo(es)`,
          ]));
        }
      }
      if (opts.onProgress && now - lastProgress >= progressEvery) {
        opts.onProgress({
          t: round(now - t0), messages: replied, msgsPerSec: Math.round((sinceProgress * 1000) / (now - lastProgress)),
          open: live, errors: [...errors.values()].reduce((a, e) => a + e.n, 0),
          p50: latency.percentile(50), p99: latency.percentile(99),
        });
        sinceProgress = 0;
        lastProgress = now;
      }
    }, Math.min(250, Math.max(10, o.timeoutMs / 4)));
    if (rate) startPacer(rate);
    else for (const c of conns) c.fill();
  }

  function startPacer(r: number): void {
    const period = 1000 / r;
    let seq = 0;
    let rr = 0;
    const pace = () => {
      const now = performance.now();
      while (!stopped && tStart + seq * period <= now) {
        if (count !== undefined && issued >= count) return stopIssuing(false);
        const conn = nextOpen();
        if (!conn) return stopIssuing();
        issued++;
        outstanding++;
        conn.enqueue(tStart + seq++ * period);
      }
      if (!stopped) timers.pacer = setTimeout(pace, Math.max(0, tStart + seq * period - performance.now()));
    };
    const nextOpen = (): LoadConnection | undefined => {
      for (let i = 0; i < conns.length; i++) {
        const c = conns[rr++ % conns.length]!;
        if (c.open) return c;
      }
      return undefined;
    };
    pace();
  }

  await finished;
  clearInterval(timers.ticker);
  clearTimeout(timers.duration);
  clearTimeout(timers.pacer);
  opts.signal?.removeEventListener('abort', onAbort);

  // ---- close phase: every connection, in parallel, each under the deadline
  const closes = await Promise.all(conns.map((c) => c.close(o.timeoutMs)));
  for (const c of closes) {
    if (c && !c.answered) countError(verdict('close-unanswered', `no close frame came back within ${o.timeoutMs} ms of ours`, [c.reason]));
  }

  const phaseMs = Math.max(tEnd - tStart, 0.001);
  const errorCounts: LoadResult['errors'] = {};
  for (const [code, e] of errors) errorCounts[code] = e.n;
  const result: LoadResult = {
    ok: errors.size === 0 && conns.length > 0,
    url: o.target.url.href,
    connections: opts.connections,
    opened: conns.length,
    messages: replied,
    sent: conns.reduce((a, c) => a + c.sent, 0),
    unsent,
    bytes: replied * payload.length,
    errors: errorCounts,
    latencyMs: {
      p50: latency.percentile(50), p90: latency.percentile(90), p99: latency.percentile(99), max: latency.max,
      min: latency.min, mean: round(latency.mean),
    },
    handshakeMs: { p50: handshakes.percentile(50), p99: handshakes.percentile(99), max: handshakes.max },
    msgsPerSec: Math.round((replied * 1000) / phaseMs),
    bytesPerSec: Math.round((replied * payload.length * 1000) / phaseMs),
    ms: round(replied ? phaseMs : 0),
    size: payload.length,
    binary,
    pipeline,
    rate: rate ?? null,
    correctedForCoordinatedOmission: Boolean(rate),
    totalMs: round(performance.now() - t0),
  };
  if (!result.ok) result.verdict = summarize(errors, opts.connections);
  const { ok, verdict: v, url, totalMs, ...summary } = result;
  reporter.emit({ event: 'load', t: totalMs, url, ...summary });
  reporter.emit({ event: 'result', ok, url, totalMs, ...(v ? { verdict: v } : {}) });
  return result;
}

/** Upgrades up to `n` connections, `parallel` at a time; failures are counted, not thrown. */
async function openAll(
  o: ResolvedClientOptions, n: number, parallel: number, signal: AbortSignal, handshakes: Histogram,
  countError: (v: Verdict) => void, adopt: (ws: WebSocket, marker: string | undefined) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n && !signal.aborted) {
      next++;
      const t = performance.now();
      const outcome = await connectAndUpgrade(o, t, () => {});
      if (outcome.ok) {
        handshakes.record(performance.now() - t);
        adopt(outcome.ws, outcome.answer.endpoint);
      } else {
        countError(outcome.verdict);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, worker));
}

/** One verdict for the run: the most frequent failure, with the tally of all of them. */
function summarize(errors: Map<VerdictCode, { n: number; example: Verdict }>, connections: number): Verdict {
  const sorted = [...errors].sort((a, b) => b[1].n - a[1].n);
  if (sorted.length === 0) return verdict('connect-failed', 'no connection could be opened', [], undefined);
  const [code, top] = sorted[0]!;
  const tally = sorted.map(([c, e]) => `${c} ×${e.n}`).join(', ');
  const total = sorted.reduce((a, [, e]) => a + e.n, 0);
  return verdict(code, `${top.example.summary} (${total} error${total > 1 ? 's' : ''} over ${connections} connection${connections > 1 ? 's' : ''}: ${tally})`,
    top.example.evidence, top.example.next);
}
