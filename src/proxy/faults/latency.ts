import { Transform, type TransformCallback } from 'node:stream';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `latency=DURATION[,jitter=DURATION]`: delay every chunk, both directions, by DURATION ± a
 * uniform jitter, keeping order (like toxiproxy's latency toxic: a chunk already queued for a
 * while is not delayed again). A slow WAN or an overloaded proxy.
 */
export const latency: FaultKind = {
  kind: 'latency',
  summary: 'delays every chunk, order kept',
  syntax: '`=DURATION`; `jitter=DURATION` (uniform ±)',
  mimics: 'slow WAN, overloaded proxy (toxiproxy `latency`)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params, ['jitter']);
    const ms = r.duration(r.required('a duration such as 200ms'), 'latency', 0);
    const jitter = params.jitter === undefined ? 0 : r.duration(params.jitter, 'jitter', 0);
    return {
      kind: 'latency',
      spec,
      onTunnel(tunnel) {
        for (const d of ['up', 'down'] as const) tunnel.addStage(d, new Delay(() => Math.max(0, ms + (Math.random() * 2 - 1) * jitter)));
      },
    };
  },
};

/** Holds each chunk until its due time; later chunks are never due before earlier ones. */
class Delay extends Transform {
  #queue: { chunk: Buffer; due: number }[] = [];
  #lastDue = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushed: TransformCallback | undefined;

  constructor(private readonly delay: () => number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#lastDue = Math.max(performance.now() + this.delay(), this.#lastDue);
    this.#queue.push({ chunk, due: this.#lastDue });
    this.#schedule();
    callback();
  }

  override _flush(callback: TransformCallback): void {
    // End of stream goes on only after the data queued before it.
    if (this.#queue.length === 0) callback();
    else this.#flushed = callback;
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.#timer);
    this.#queue = [];
    callback(err);
  }

  #schedule(): void {
    if (this.#timer || this.#queue.length === 0) return;
    this.#timer = setTimeout(() => this.#release(), Math.max(0, this.#queue[0]!.due - performance.now()));
  }

  #release(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length && this.#queue[0]!.due <= now + 1) this.push(this.#queue.shift()!.chunk);
    if (this.#queue.length) return this.#schedule();
    this.#flushed?.();
    this.#flushed = undefined;
  }
}
