import { Histogram } from '../load/histogram.js';
import type { Pattern } from './patterns.js';
import type { Drop, DropCause, HandshakeRecord } from './types.js';

export interface HandshakeFigures {
  ok: number;
  failed: number;
  /** ms; null with no successful handshake. */
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export interface SummaryFigures {
  drops: number;
  byCause: Record<DropCause, number>;
  byPattern: Record<Pattern, number>;
  handshakes: HandshakeFigures;
}

/**
 * Counters and fixed-size histograms: the same few kilobytes after a minute or a day. The window
 * (since the last `summary`) shows latency and failures over time; the totals, the whole run.
 */
export class WatchStats {
  drops = 0;
  // Every cause and pattern counted from 0 (the compiler checks the lists are complete).
  readonly byCause: Record<DropCause, number> = { eof: 0, reset: 0, close: 0, 'no-pong': 0, error: 0 };
  readonly byPattern: Record<Pattern, number> = { silent: 0, ping: 0, pong: 0, message: 0 };
  readonly #total = new Histogram();
  #window = new Histogram();
  #ok = 0;
  #failed = 0;
  #windowOk = 0;
  #windowFailed = 0;

  drop(d: Drop): void {
    this.drops++;
    this.byCause[d.cause]++;
    this.byPattern[d.pattern]++;
  }

  handshake(h: HandshakeRecord): void {
    if (h.ok) {
      this.#ok++;
      this.#windowOk++;
      this.#total.record(h.ms);
      this.#window.record(h.ms);
    } else {
      this.#failed++;
      this.#windowFailed++;
    }
  }

  total(): SummaryFigures {
    return { drops: this.drops, byCause: { ...this.byCause }, byPattern: { ...this.byPattern }, handshakes: figures(this.#total, this.#ok, this.#failed) };
  }

  /** The handshakes since the last call, and a fresh window. */
  takeWindow(): HandshakeFigures {
    const f = figures(this.#window, this.#windowOk, this.#windowFailed);
    this.#window = new Histogram();
    this.#windowOk = 0;
    this.#windowFailed = 0;
    return f;
  }

  /** For the status line. */
  latency(): { p50: number | null; p99: number | null } {
    const f = figures(this.#total, this.#ok, this.#failed);
    return { p50: f.p50, p99: f.p99 };
  }
}

function figures(h: Histogram, ok: number, failed: number): HandshakeFigures {
  const r = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    ok, failed,
    p50: h.count ? r(h.percentile(50)) : null,
    p99: h.count ? r(h.percentile(99)) : null,
    max: h.count ? r(h.max) : null,
  };
}
