import { Transform, type TransformCallback } from 'node:stream';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `bandwidth=BYTES_PER_S`: limit each direction to this rate, in slices of 100 ms worth (as
 * toxiproxy's bandwidth toxic does), with backpressure: the peer's writes block, nothing is lost.
 */
export const bandwidth: FaultKind = {
  kind: 'bandwidth',
  summary: 'limits each direction, 100 ms slices, with backpressure',
  syntax: '`=BYTES` per second',
  mimics: 'thin uplink (toxiproxy `bandwidth`)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const rate = r.bytes(r.required('bytes per second such as 64k'), 'rate');
    return {
      kind: 'bandwidth',
      spec,
      onTunnel(tunnel) {
        for (const d of ['up', 'down'] as const) tunnel.addStage(d, new Throttle(rate));
      },
    };
  },
};

class Throttle extends Transform {
  readonly #slice: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly rate: number) {
    super();
    this.#slice = Math.max(1, Math.ceil(rate / 10));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.#send(chunk, callback);
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    clearTimeout(this.#timer);
    callback(err);
  }

  #send(chunk: Buffer, callback: TransformCallback): void {
    const n = Math.min(chunk.length, this.#slice);
    this.push(chunk.subarray(0, n));
    const rest = chunk.subarray(n);
    this.#timer = setTimeout(() => (rest.length ? this.#send(rest, callback) : callback()), (n / this.rate) * 1000);
  }
}
