import { Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `slicer[:avg=BYTES,delay=DURATION]`: re-chunk data both ways into random sizes around `avg`
 * (default 8 B), each written on its own, `delay` apart (default none): frames split across
 * TCP segments, headers split mid-length, like toxiproxy's slicer. Peers must reassemble.
 */
export const slicer: FaultKind = {
  kind: 'slicer',
  summary: 're-chunks data into random small writes so frames straddle TCP segments',
  syntax: '`avg=BYTES` (default 8), `delay=DURATION` between writes (default 0; `1ms` makes readers see them apart)',
  mimics: 'toxiproxy `slicer`',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params, ['avg', 'delay']);
    r.noValue();
    const avg = params.avg === undefined ? 8 : r.bytes(params.avg, 'avg');
    const delay = params.delay === undefined ? 0 : r.duration(params.delay, 'delay', 0);
    return {
      kind: 'slicer',
      spec,
      onTunnel(tunnel) {
        // Without Nagle each write leaves as its own segment instead of being coalesced.
        for (const s of [tunnel.client, tunnel.upstream]) if (s instanceof Socket) s.setNoDelay(true);
        for (const d of ['up', 'down'] as const) tunnel.addStage(d, new Slicer(avg, delay));
      },
    };
  },
};

class Slicer extends Transform {
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly avg: number, private readonly delay: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#send(chunk, callback);
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.#timer);
    callback(err);
  }

  #send(chunk: Buffer, callback: TransformCallback): void {
    while (chunk.length) {
      const n = Math.min(chunk.length, 1 + Math.floor(Math.random() * (2 * this.avg - 1)));
      this.push(chunk.subarray(0, n));
      chunk = chunk.subarray(n);
      if (this.delay > 0 && chunk.length) {
        const rest = chunk;
        this.#timer = setTimeout(() => this.#send(rest, callback), this.delay);
        return;
      }
    }
    callback();
  }
}
