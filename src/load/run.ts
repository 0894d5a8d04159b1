import { DEFAULT_MESSAGE } from '../constants.js';
import { verdict, type Verdict, type VerdictCode } from '../diagnose/catalogue.js';
import { connectAndUpgrade, round } from '../client/connect.js';
import { warmUp } from '../client/warmup.js';
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
  // The first handshakes and round trips are the path's, not the client code's first run.
  await warmUp({ tls: opts.client.target.secure });
  return new LoadRun(opts, reporter).run();
}

/** One load run: the connections' driver (tickets, replies, failures) and the three phases. */
class LoadRun implements Driver {
  readonly #o: ResolvedClientOptions;
  readonly #t0 = performance.now();
  readonly #payload: Buffer;
  readonly #binary: boolean;
  readonly #rate: number | undefined;
  readonly #pipeline: number;
  readonly #count: number | undefined;
  readonly #durationMs: number | undefined;

  readonly #latency = new Histogram();
  readonly #handshakes = new Histogram();
  readonly #errors = new Map<VerdictCode, { n: number; example: Verdict }>();
  readonly #stop = new AbortController();
  readonly #onAbort = () => this.#stop.abort();
  readonly #conns: LoadConnection[] = [];
  readonly #timers: { ticker?: NodeJS.Timeout; duration?: NodeJS.Timeout; pacer?: NodeJS.Timeout } = {};

  #stopped = false;
  #issued = 0;
  #outstanding = 0;
  #replied = 0;
  #unsent = 0;
  #sinceProgress = 0;
  #tStart = performance.now();
  #tEnd = this.#tStart;
  #messagePhase = false;
  #live = 0;
  #finish: () => void = () => {};
  readonly #finished = new Promise<void>((resolve) => (this.#finish = resolve));

  constructor(private readonly opts: LoadOptions, private readonly reporter: Reporter<LoadEvent | LoadResultEvent>) {
    this.#o = resolveClientOptions({ ...opts.client, count: 0, inspect: false });
    this.#payload = opts.size !== undefined ? makePayload(opts.size, 1) : Buffer.from(opts.message ?? DEFAULT_MESSAGE);
    this.#binary = opts.binary ?? false;
    this.#rate = opts.rate;
    this.#pipeline = opts.pipeline ?? (opts.rate ? DEFAULT_RATE_PIPELINE : 1);
    this.#count = opts.count;
    this.#durationMs = opts.durationMs ?? (opts.count === undefined ? DEFAULT_LOAD_DURATION_MS : undefined);
    opts.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (opts.signal?.aborted) this.#stop.abort();
  }

  // ---- Driver: what every connection calls

  ticket(): boolean {
    // With --rate only the pacer issues messages: a reply must not trigger a send.
    if (this.#rate || this.#stopped || (this.#count !== undefined && this.#issued >= this.#count)) return false;
    this.#issued++;
    this.#outstanding++;
    if (this.#count !== undefined && this.#issued >= this.#count) this.#stopIssuing(false);
    return true;
  }

  replied(ms: number): void {
    this.#latency.record(ms);
    this.#replied++;
    this.#sinceProgress++;
    this.#outstanding--;
    this.#tEnd = performance.now();
    if (this.#stopped && this.#outstanding === 0) this.#finish();
  }

  failed(conn: LoadConnection, v: Verdict): void {
    this.#countError(v);
    this.#outstanding -= conn.inFlight + conn.backlog;
    conn.dropBacklog();
    this.#live--;
    if (this.#messagePhase && this.#live === 0) this.#stopIssuing();
    if (this.#stopped && this.#outstanding <= 0) this.#finish();
  }

  // ---- the run

  async run(): Promise<LoadResult> {
    const o = this.#o;
    // ---- open phase
    await openAll(o, this.opts.connections, this.opts.openParallel ?? DEFAULT_OPEN_PARALLEL, this.#stop.signal, this.#handshakes, (v) => this.#countError(v), (ws, marker) => {
      this.#conns.push(new LoadConnection(ws, this.#payload, this.#payload, this.#binary, this.#pipeline, this, marker));
      this.#live++;
    });

    // ---- message phase
    this.#messagePhase = true;
    this.#stop.signal.addEventListener('abort', () => this.#stopIssuing(), { once: true });
    if (this.#live === 0 || this.#stop.signal.aborted || this.#count === 0) this.#stopIssuing();
    this.#tStart = performance.now();
    this.#tEnd = this.#tStart;
    if (!this.#stopped) {
      if (this.#durationMs !== undefined) this.#timers.duration = setTimeout(() => this.#stopIssuing(), this.#durationMs);
      this.#startTicker();
      if (this.#rate) this.#startPacer(this.#rate);
      else for (const c of this.#conns) c.fill();
    }
    await this.#finished;
    clearInterval(this.#timers.ticker);
    clearTimeout(this.#timers.duration);
    clearTimeout(this.#timers.pacer);
    this.opts.signal?.removeEventListener('abort', this.#onAbort);

    // ---- close phase: every connection, in parallel, each under the deadline
    const closes = await Promise.all(this.#conns.map((c) => c.close(o.timeoutMs)));
    for (const c of closes) {
      if (c && !c.answered) this.#countError(verdict('close-unanswered', `no close frame came back within ${o.timeoutMs} ms of ours`, [c.reason]));
    }
    return this.#report();
  }

  #countError(v: Verdict): void {
    const e = this.#errors.get(v.code);
    if (e) e.n++;
    else this.#errors.set(v.code, { n: 1, example: v });
  }

  /**
   * No more messages. At --duration (or Ctrl-C) rate-mode sends that were due but still wait for
   * a slot are dropped and reported as unsent; when --count is reached they still go out.
   */
  #stopIssuing(dropBacklog = true): void {
    if (!this.#stopped) {
      this.#stopped = true;
      clearTimeout(this.#timers.pacer);
      clearTimeout(this.#timers.duration);
    }
    if (dropBacklog) {
      for (const c of this.#conns) {
        const n = c.dropBacklog();
        this.#unsent += n;
        this.#outstanding -= n;
      }
    }
    if (this.#outstanding <= 0) this.#finish();
  }

  /** One ticker owns the per-message deadline and the progress report. */
  #startTicker(): void {
    const o = this.#o;
    let lastProgress = this.#tStart;
    const progressEvery = this.opts.progressIntervalMs ?? 1_000;
    this.#timers.ticker = setInterval(() => {
      const now = performance.now();
      // Safety net for the accounting: once stopped, the run is over when nothing is in flight.
      if (this.#stopped && this.#conns.every((c) => !c.open || (c.inFlight === 0 && c.backlog === 0))) this.#finish();
      for (const c of this.#conns) {
        if (c.open && c.oldestAge(now) > o.timeoutMs) {
          c.fail(verdict('half-open', `no echo within ${o.timeoutMs} ms and no close: the connection looks open but nothing comes back`, [
            `${c.inFlight} message(s) of ${this.#payload.length} B unanswered on one connection after ${c.echoes} echo(es)`,
          ]));
        }
      }
      if (this.opts.onProgress && now - lastProgress >= progressEvery) {
        this.opts.onProgress({
          t: round(now - this.#t0), messages: this.#replied, msgsPerSec: Math.round((this.#sinceProgress * 1000) / (now - lastProgress)),
          open: this.#live, errors: [...this.#errors.values()].reduce((a, e) => a + e.n, 0),
          p50: this.#latency.percentile(50), p99: this.#latency.percentile(99),
        });
        this.#sinceProgress = 0;
        lastProgress = now;
      }
    }, Math.min(250, Math.max(10, o.timeoutMs / 4)));
  }

  /** Open loop: message `seq` is due at tStart + seq/rate, sent on the next open connection. */
  #startPacer(r: number): void {
    const period = 1000 / r;
    let seq = 0;
    let rr = 0;
    const conns = this.#conns;
    const nextOpen = (): LoadConnection | undefined => {
      for (let i = 0; i < conns.length; i++) {
        const c = conns[rr++ % conns.length]!;
        if (c.open) return c;
      }
      return undefined;
    };
    const pace = (): void => {
      const now = performance.now();
      while (!this.#stopped && this.#tStart + seq * period <= now) {
        if (this.#count !== undefined && this.#issued >= this.#count) return this.#stopIssuing(false);
        const conn = nextOpen();
        if (!conn) return this.#stopIssuing();
        this.#issued++;
        this.#outstanding++;
        conn.enqueue(this.#tStart + seq++ * period);
      }
      if (!this.#stopped) this.#timers.pacer = setTimeout(pace, Math.max(0, this.#tStart + seq * period - performance.now()));
    };
    pace();
  }

  /** The `load` event and the `result`, and the result returned. */
  #report(): LoadResult {
    const latency = this.#latency;
    const handshakes = this.#handshakes;
    const replied = this.#replied;
    const payload = this.#payload;
    const phaseMs = Math.max(this.#tEnd - this.#tStart, 0.001);
    const errorCounts: LoadResult['errors'] = {};
    for (const [code, e] of this.#errors) errorCounts[code] = e.n;
    const result: LoadResult = {
      ok: this.#errors.size === 0 && this.#conns.length > 0,
      url: this.#o.target.url.href,
      connections: this.opts.connections,
      opened: this.#conns.length,
      messages: replied,
      sent: this.#conns.reduce((a, c) => a + c.sent, 0),
      unsent: this.#unsent,
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
      binary: this.#binary,
      pipeline: this.#pipeline,
      rate: this.#rate ?? null,
      correctedForCoordinatedOmission: Boolean(this.#rate),
      totalMs: round(performance.now() - this.#t0),
    };
    if (!result.ok) result.verdict = summarize(this.#errors, this.opts.connections);
    const { ok, verdict: v, url, totalMs, ...summary } = result;
    this.reporter.emit({ event: 'load', t: totalMs, url, ...summary });
    this.reporter.emit({ event: 'result', ok, url, totalMs, ...(v ? { verdict: v } : {}) });
    return result;
  }
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
      // A handshake is its phases as they were timed (dial's in socket callbacks, the upgrade
      // on the wire clock), not the wall clock around them, which counts our own work too.
      let ms = 0;
      const outcome = await connectAndUpgrade(o, performance.now(), (ev) => {
        if (ev.event === 'phase' && 'ms' in ev && typeof ev.ms === 'number') ms += ev.ms;
      });
      if (outcome.ok) {
        handshakes.record(ms);
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
