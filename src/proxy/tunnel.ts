import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { TUNNEL_DRAIN_MS } from '../constants.js';

/** `up` = client → upstream (masked frames), `down` = upstream → client. */
export type Direction = 'up' | 'down';

export interface TunnelStats {
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  reason: string;
}

/**
 * Owns both sockets of one proxied WebSocket after the 101. Faults and the frame tap insert
 * stages (Transforms, or any Duplex) per direction before `start()`. One cleanup point: `destroy()`, reached
 * from either socket closing or erroring, from a fault, or from the proxy stopping; it emits
 * `closed` once with byte counts.
 */
export class Tunnel extends EventEmitter {
  private readonly stages: Record<Direction, Duplex[]> = { up: [], down: [] };
  private readonly t0 = performance.now();
  private drainTimer: NodeJS.Timeout | undefined;
  private finishTimer: NodeJS.Timeout | undefined;
  private done = false;
  bytesUp = 0;
  bytesDown = 0;
  lastActivity: Record<Direction, number> = { up: performance.now(), down: performance.now() };

  /**
   * `finishMs`: after either side ends its stream (FIN), how long the tunnel may stay before it
   * is destroyed (the proxy's --timeout). A stage that swallows the end of stream (hang, blackhole)
   * would otherwise keep both sockets forever, and Node reports data arriving with an RST as a
   * normal end on a half-open socket, so a reset client looks the same.
   */
  constructor(readonly client: Duplex, readonly upstream: Duplex, private readonly finishMs = TUNNEL_DRAIN_MS) {
    super();
  }

  /** `first` puts the stage next to the source socket (the frame tap watches the client's side). */
  addStage(direction: Direction, stage: Duplex, position: 'first' | 'last' = 'last'): void {
    if (position === 'first') this.stages[direction].unshift(stage);
    else this.stages[direction].push(stage);
  }

  /** Re-pipes client ⇄ upstream through the stages. Call once, before any data has flowed. */
  start(): void {
    const { client, upstream } = this;
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.on('data', (c: Buffer) => this.activity('up', c.length));
    upstream.on('data', (c: Buffer) => this.activity('down', c.length));
    chain(client, this.stages.up, upstream);
    chain(upstream, this.stages.down, client);
    for (const s of [...this.stages.up, ...this.stages.down]) s.on('error', (err: Error) => this.destroy(`stage error: ${err.message}`));
    client.on('error', (err: Error) => this.destroy(`client error: ${err.message}`));
    upstream.on('error', (err: Error) => this.destroy(`upstream error: ${err.message}`));
    client.on('close', () => this.halfGone('client closed'));
    upstream.on('close', () => this.halfGone('upstream closed'));
    client.once('end', () => this.ended('client'));
    upstream.once('end', () => this.ended('upstream'));
  }

  private ended(side: 'client' | 'upstream'): void {
    if (this.done) return;
    this.finishTimer ??= setTimeout(() => this.destroy(`${side} ended its stream; the tunnel did not finish within ${this.finishMs} ms`), this.finishMs);
  }

  private activity(dir: Direction, n: number): void {
    if (dir === 'up') this.bytesUp += n;
    else this.bytesDown += n;
    this.lastActivity[dir] = performance.now();
    this.emit('activity', dir, n);
  }

  /**
   * One side is gone. After a clean FIN the pipe ends the other side once the stages have
   * flushed; give that TUNNEL_DRAIN_MS. A side that vanished without FIN is a reset: pass it on.
   */
  private halfGone(reason: string): void {
    if (this.done) return;
    const gone = this.client.closed ? this.client : this.upstream;
    const other = gone === this.client ? this.upstream : this.client;
    if (other.closed || !gone.readableEnded) return this.destroy(reason);
    this.drainTimer ??= setTimeout(() => this.destroy(`${reason}; the other side did not finish within ${TUNNEL_DRAIN_MS} ms`), TUNNEL_DRAIN_MS);
  }

  get closed(): boolean {
    return this.done;
  }

  destroy(reason: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.drainTimer);
    clearTimeout(this.finishTimer);
    this.client.destroy();
    this.upstream.destroy();
    for (const s of [...this.stages.up, ...this.stages.down]) s.destroy();
    const stats: TunnelStats = { bytesUp: this.bytesUp, bytesDown: this.bytesDown, durationMs: Math.round(performance.now() - this.t0), reason };
    this.emit('closed', stats);
  }
}

function chain(from: Duplex, stages: Duplex[], to: Duplex): void {
  let src: Duplex = from;
  for (const s of stages) src = src.pipe(s);
  src.pipe(to);
}
