import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/** Lets loopback deliver the last permitted bytes before the RST discards the send buffer. */
const RESET_DELAY_MS = 20;

/**
 * `reset-after=BYTES`: once BYTES have crossed the tunnel (both directions together), send a TCP
 * RST on both sockets (toxiproxy's limit_data + reset_peer): "connection reset by peer"
 * mid-stream, as from a proxy that crashes or a firewall that kills the flow.
 */
export const resetAfter: FaultKind = {
  kind: 'reset-after',
  summary: 'after that many bytes (both directions together) sends TCP RST on both sockets',
  syntax: '`=BYTES`',
  mimics: 'crashing proxy, firewall killing the flow (toxiproxy `limit_data` + `reset_peer`)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const limit = r.bytes(r.required('a size in bytes such as 1k'), 'byte limit', 0);
    return {
      kind: 'reset-after',
      spec,
      onTunnel(tunnel, ctx) {
        let passed = 0;
        let timer: NodeJS.Timeout | undefined;
        const reset = () => {
          ctx.log.info({ fault: spec, bytes: passed }, 'byte limit reached: resetting both connections');
          for (const s of [tunnel.client, tunnel.upstream]) rst(s);
          tunnel.destroy(`reset-after: RST after ${passed} B`);
        };
        const count = (chunk: Buffer, push: (b: Buffer) => void) => {
          const room = limit - passed;
          if (room <= 0) return;
          const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
          passed += part.length;
          if (part.length) push(part);
          if (passed >= limit) timer ??= setTimeout(reset, RESET_DELAY_MS);
        };
        for (const d of ['up', 'down'] as const) tunnel.addStage(d, new Counter(count));
        tunnel.once('closed', () => clearTimeout(timer));
        if (limit === 0) timer = setTimeout(reset, 0);
      },
    };
  },
};

class Counter extends Transform {
  constructor(private readonly count: (chunk: Buffer, push: (b: Buffer) => void) => void) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.count(chunk, (b) => this.push(b));
    callback();
  }
}

function rst(s: Duplex): void {
  // resetAndDestroy (Node ≥ 16.17) sets SO_LINGER 0: the peer gets RST, not FIN. An HTTP/2
  // stream (a leg over h2) has no TCP of its own to reset.
  if (s instanceof Socket && !s.destroyed) s.resetAndDestroy();
  else s.destroy();
}
