import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { TUNNEL_DRAIN_MS } from '../constants.js';
import { FrameBoundaries } from '../protocol/frame-boundary.js';
import { LiveStages } from './live-stages.js';

/** `up` = client → upstream (masked frames), `down` = upstream → client. */
export type Direction = 'up' | 'down';

export interface TunnelStats {
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  reason: string;
}

/**
 * Owns both sockets of one proxied WebSocket after the 101. One cleanup point: `destroy()`,
 * reached from either socket closing or erroring, from a fault, or from the proxy stopping; it
 * emits `closed` once with byte counts.
 *
 * Two ways to carry bytes, per direction:
 * - bare (no stage): each chunk read from one socket is written to the other, reading pauses
 *   while the other side's buffer is full. No stream in between, no per-tunnel pipe state: an
 *   idle tunnel owns its two sockets and a handful of listeners, and a chunk costs one write.
 *   The frame boundaries are followed (headers only, payloads skipped by count) so that a fault
 *   added later through the control API can start on a frame boundary.
 * - staged: faults and the frame tap insert stages (Transforms, or any Duplex) before `start()`,
 *   and `live(dir)` gives the direction its LiveStages (the control API's insertion point). The
 *   direction is then piped through them; a bare direction switches to staged the first time
 *   `live(dir)` is asked for after `start()`.
 */
export class Tunnel extends EventEmitter {
  private readonly stages: Record<Direction, Duplex[]> = { up: [], down: [] };
  readonly #live: Partial<Record<Direction, LiveStages>> = {};
  /** Boundaries of the bare directions, handed to their LiveStages when they switch. */
  #frames: Partial<Record<Direction, FrameBoundaries>> = {};
  private readonly t0 = performance.now();
  private drainTimer: NodeJS.Timeout | undefined;
  private finishTimer: NodeJS.Timeout | undefined;
  private done = false;
  #started = false;
  bytesUp = 0;
  bytesDown = 0;
  lastActivity: Record<Direction, number> = { up: this.t0, down: this.t0 };

  /**
   * `finishMs`: after either side ends its stream (FIN), how long the tunnel may stay before it
   * is destroyed (the proxy's --timeout). A stage that swallows the end of stream (hang, blackhole)
   * would otherwise keep both sockets forever, and Node reports data arriving with an RST as a
   * normal end on a half-open socket, so a reset client looks the same.
   */
  constructor(readonly client: Duplex, readonly upstream: Duplex, private readonly finishMs = TUNNEL_DRAIN_MS) {
    super();
  }

  /** `first` puts the stage next to the source socket (the frame tap watches the client's side). Before `start()` only. */
  addStage(direction: Direction, stage: Duplex, position: 'first' | 'last' = 'last'): void {
    if (position === 'first') this.stages[direction].unshift(stage);
    else this.stages[direction].push(stage);
  }

  /**
   * The direction's live fault list, made on first use. Before `start()` it joins the stages
   * (the faults' place: after the tap going up, before it coming down); after, a bare direction
   * is re-routed through it, continuing from the frame boundary it had reached.
   */
  live(dir: Direction): LiveStages {
    const existing = this.#live[dir];
    if (existing) return existing;
    const live = new LiveStages(this.#frames[dir]);
    this.#live[dir] = live;
    if (!this.#started) {
      this.addStage(dir, live, dir === 'up' ? 'last' : 'first');
      return live;
    }
    live.on('error', this.#onStageError);
    this.stages[dir].push(live);
    if (this.done) {
      live.destroy();
      return live;
    }
    const [from, to] = this.#ends(dir);
    // After FIN there is nothing left to carry; the list stays empty and unlinked.
    if (from.readableEnded) return live;
    from.off('data', dir === 'up' ? this.#relayUp : this.#relayDown);
    to.off('drain', dir === 'up' ? this.#drainUp : this.#drainDown);
    from.off('end', dir === 'up' ? this.#endUp : this.#endDown);
    delete this.#frames[dir];
    from.on('data', dir === 'up' ? this.#countUp : this.#countDown);
    from.once('end', dir === 'up' ? this.#endedClient : this.#endedUpstream);
    from.pipe(live).pipe(to);
    return live;
  }

  /** Re-pipes client ⇄ upstream, through the stages where there are any. Call once, before any data has flowed. */
  start(): void {
    const { client, upstream } = this;
    client.unpipe(upstream);
    upstream.unpipe(client);
    // A tunnel with stages in one direction (the tap, a fault) gets its live list in both, so
    // the control API never has to splice into a running chain of pipes.
    if (this.stages.up.length || this.stages.down.length) {
      this.live('up');
      this.live('down');
    }
    this.#started = true;
    for (const dir of ['up', 'down'] as const) {
      const [from, to] = this.#ends(dir);
      if (this.stages[dir].length) {
        from.on('data', dir === 'up' ? this.#countUp : this.#countDown);
        from.once('end', dir === 'up' ? this.#endedClient : this.#endedUpstream);
        chain(from, this.stages[dir], to);
        for (const s of this.stages[dir]) s.on('error', this.#onStageError);
      } else {
        this.#frames[dir] = new FrameBoundaries();
        from.on('data', dir === 'up' ? this.#relayUp : this.#relayDown);
        to.on('drain', dir === 'up' ? this.#drainUp : this.#drainDown);
        from.once('end', dir === 'up' ? this.#endUp : this.#endDown);
        // unpipe() paused the socket, and a 'data' listener does not resume a paused stream.
        from.resume();
      }
    }
    client.on('error', this.#onClientError);
    upstream.on('error', this.#onUpstreamError);
    client.on('close', this.#onClientClose);
    upstream.on('close', this.#onUpstreamClose);
  }

  #ends(dir: Direction): [Duplex, Duplex] {
    return dir === 'up' ? [this.client, this.upstream] : [this.upstream, this.client];
  }

  // One listener of each kind per socket, as fields: the same functions are added and removed.
  readonly #relayUp = (c: Buffer): void => this.#relay('up', c);
  readonly #relayDown = (c: Buffer): void => this.#relay('down', c);
  readonly #drainUp = (): void => void this.client.resume();
  readonly #drainDown = (): void => void this.upstream.resume();
  readonly #endUp = (): void => this.#passEnd('up');
  readonly #endDown = (): void => this.#passEnd('down');
  readonly #countUp = (c: Buffer): void => this.activity('up', c.length);
  readonly #countDown = (c: Buffer): void => this.activity('down', c.length);
  readonly #endedClient = (): void => this.ended('client');
  readonly #endedUpstream = (): void => this.ended('upstream');
  readonly #onStageError = (err: Error): void => this.destroy(`stage error: ${err.message}`);
  readonly #onClientError = (err: Error): void => this.destroy(`client error: ${err.message}`);
  readonly #onUpstreamError = (err: Error): void => this.destroy(`upstream error: ${err.message}`);
  readonly #onClientClose = (): void => this.halfGone('client closed');
  readonly #onUpstreamClose = (): void => this.halfGone('upstream closed');

  #relay(dir: Direction, chunk: Buffer): void {
    this.#frames[dir]?.advance(chunk);
    const [from, to] = this.#ends(dir);
    if (!to.write(chunk)) from.pause();
    this.activity(dir, chunk.length);
  }

  /** A bare direction's source sent FIN: pass it on once what was written is flushed, as pipe() does. */
  #passEnd(dir: Direction): void {
    const [, to] = this.#ends(dir);
    to.end();
    this.ended(dir === 'up' ? 'client' : 'upstream');
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
   * One side is gone. After a clean FIN the other side is ended once the stages have
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
