import { Socket } from 'node:net';
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

type ActivityListener = (dir: Direction, bytes: number) => void;
type ClosedListener = (stats: TunnelStats) => void;

/** The tunnel a socket belongs to, set on both sockets: the socket listeners below are shared by every tunnel. */
const kTunnel = Symbol('wstrace.tunnel');
type Owned = Duplex & { [kTunnel]?: Tunnel };
const owner = (socket: Duplex): Tunnel => (socket as Owned)[kTunnel]!;
const dirOf = (t: Tunnel, socket: Duplex): Direction => (socket === t.client ? 'up' : 'down');

// One function each for every tunnel (a closure per tunnel per event cost ~0.8 KiB an idle tunnel).
function onRelay(this: Duplex, chunk: Buffer): void {
  owner(this).relay(dirOf(owner(this), this), chunk);
}
/** `this`: the side that drained; resume the side that writes into it. */
function onDrain(this: Duplex): void {
  const t = owner(this);
  (this === t.client ? t.upstream : t.client).resume();
}
function onRelayEnd(this: Duplex): void {
  owner(this).passEnd(dirOf(owner(this), this));
}
/** A staged direction's source: count, and show the client's chunks to the up observer before the stages see them. */
function onCount(this: Duplex, chunk: Buffer): void {
  const t = owner(this);
  const dir = dirOf(t, this);
  if (dir === 'up') t.seeUp(chunk);
  t.activity(dir, chunk.length);
}
function onEnded(this: Duplex): void {
  const t = owner(this);
  t.ended(this === t.client ? 'client' : 'upstream');
}
function onSocketError(this: Duplex, err: Error): void {
  const t = owner(this);
  t.destroy(`${this === t.client ? 'client' : 'upstream'} error: ${err.message}`);
}
function onSocketClose(this: Duplex): void {
  const t = owner(this);
  t.halfGone(`${this === t.client ? 'client' : 'upstream'} closed`);
}

/**
 * Owns both sockets of one proxied WebSocket after the 101. One cleanup point: `destroy()`,
 * reached from either socket closing or erroring, from a fault, or from the proxy stopping; it
 * tells its `closed` listeners once, with byte counts. Not an EventEmitter: two listener lists
 * ('activity', 'closed') are all it needs, and an emitter's table cost more than the rest of an
 * idle tunnel's own state.
 *
 * Two ways to carry bytes, per direction:
 * - bare (no stage): each chunk read from one socket is written to the other, reading pauses
 *   while the other side's buffer is full. No stream in between, no per-tunnel pipe state: an
 *   idle tunnel owns its two sockets and a handful of listeners, and a chunk costs one write.
 *   The frame boundaries are followed (headers only, payloads skipped by count) so that a fault
 *   added later through the control API can start on a frame boundary.
 * - staged: faults insert stages (Transforms, or any Duplex) before `start()`, and `live(dir)`
 *   gives the direction its LiveStages (the control API's insertion point). The direction is then
 *   piped through them; a bare direction switches to staged the first time `live(dir)` is asked
 *   for after `start()`.
 * The frame tap is neither: an observer (`observe`) that sees the chunks either way.
 */
export class Tunnel {
  // Per-direction state as plain fields, not objects keyed by direction: every idle tunnel has it.
  #stagesUp: Duplex[] | undefined;
  #stagesDown: Duplex[] | undefined;
  #liveUp: LiveStages | undefined;
  #liveDown: LiveStages | undefined;
  /** Boundaries of the bare directions, handed to their LiveStages when they switch. */
  #framesUp: FrameBoundaries | undefined;
  #framesDown: FrameBoundaries | undefined;
  #seeUp: ((chunk: Buffer) => void) | undefined;
  #seeDown: ((chunk: Buffer) => void) | undefined;
  private readonly t0 = performance.now();
  private drainTimer: NodeJS.Timeout | undefined;
  private finishTimer: NodeJS.Timeout | undefined;
  private done = false;
  #started = false;
  bytesUp = 0;
  bytesDown = 0;

  /**
   * `finishMs`: after either side ends its stream (FIN), how long the tunnel may stay before it
   * is destroyed (the proxy's --timeout). A stage that swallows the end of stream (hang, blackhole)
   * would otherwise keep both sockets forever, and Node reports data arriving with an RST as a
   * normal end on a half-open socket, so a reset client looks the same.
   */
  #onActivity: ActivityListener[] | undefined;
  #onClosed: ClosedListener[] | undefined;

  constructor(readonly client: Duplex, readonly upstream: Duplex, private readonly finishMs = TUNNEL_DRAIN_MS) {
    (client as Owned)[kTunnel] = this;
    (upstream as Owned)[kTunnel] = this;
  }

  on(_event: 'activity', fn: ActivityListener): this {
    (this.#onActivity ??= []).push(fn);
    return this;
  }

  off(_event: 'activity', fn: ActivityListener): this {
    const i = this.#onActivity?.indexOf(fn) ?? -1;
    if (i >= 0) this.#onActivity!.splice(i, 1);
    return this;
  }

  /** Runs once, when the tunnel is destroyed (like an emitter's once: not if it already was). */
  once(_event: 'closed', fn: ClosedListener): this {
    (this.#onClosed ??= []).push(fn);
    return this;
  }

  /**
   * `fn` sees every chunk of `dir` on the client's side of any stage: going up, as the client
   * sent it (before a fault's stage sees it, so a fault's reaction comes after it); coming down,
   * as the client gets it. In a bare direction it sees the chunk right after it was written on. Adds no stream layer: a tunnel with only observers stays bare. Before `start()` only.
   */
  observe(dir: Direction, fn: (chunk: Buffer) => void): void {
    if (dir === 'up') this.#seeUp = fn;
    else this.#seeDown = fn;
  }

  /** `first` puts the stage next to the source socket (the frame tap watches the client's side). Before `start()` only. */
  addStage(direction: Direction, stage: Duplex, position: 'first' | 'last' = 'last'): void {
    if (position === 'first') this.#stages(direction).unshift(stage);
    else this.#stages(direction).push(stage);
  }

  /**
   * The direction's live fault list, made on first use. Before `start()` it joins the stages
   * (the faults' place: after the tap going up, before it coming down); after, a bare direction
   * is re-routed through it, continuing from the frame boundary it had reached.
   */
  live(dir: Direction): LiveStages {
    const existing = dir === 'up' ? this.#liveUp : this.#liveDown;
    if (existing) return existing;
    const live = new LiveStages(dir === 'up' ? this.#framesUp : this.#framesDown);
    if (dir === 'up') this.#liveUp = live;
    else this.#liveDown = live;
    if (!this.#started) {
      this.addStage(dir, live, dir === 'up' ? 'last' : 'first');
      return live;
    }
    live.on('error', this.#stageError());
    this.#stages(dir).push(live);
    if (this.done) {
      live.destroy();
      return live;
    }
    const [from, to] = this.#ends(dir);
    // After FIN there is nothing left to carry; the list stays empty and unlinked.
    if (from.readableEnded) return live;
    from.off('data', onRelay);
    to.off('drain', onDrain);
    from.off('end', onRelayEnd);
    if (dir === 'up') this.#framesUp = undefined;
    else this.#framesDown = undefined;
    from.on('data', onCount);
    from.once('end', onEnded);
    if (dir === 'down' && this.#seeDown) live.on('data', this.#seeDown);
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
    if (this.#stagesUp?.length || this.#stagesDown?.length) {
      this.live('up');
      this.live('down');
    }
    this.#started = true;
    for (const dir of ['up', 'down'] as const) {
      const [from, to] = this.#ends(dir);
      const stages = dir === 'up' ? this.#stagesUp : this.#stagesDown;
      if (stages?.length) {
        from.on('data', onCount);
        from.once('end', onEnded);
        if (dir === 'down' && this.#seeDown) stages.at(-1)!.on('data', this.#seeDown);
        chain(from, stages, to);
        for (const s of stages) s.on('error', this.#stageError());
      } else {
        if (dir === 'up') this.#framesUp = new FrameBoundaries();
        else this.#framesDown = new FrameBoundaries();
        from.on('data', onRelay);
        to.on('drain', onDrain);
        from.once('end', onRelayEnd);
        // unpipe() paused the socket, and a 'data' listener does not resume a paused stream.
        from.resume();
      }
    }
    for (const socket of [client, upstream]) {
      // Nagle off on both TCP legs (h2 streams have none): a small frame must not wait for an ACK.
      if (socket instanceof Socket) socket.setNoDelay(true);
      socket.on('error', onSocketError);
      socket.on('close', onSocketClose);
    }
  }

  #stageErrorFn: ((err: Error) => void) | undefined;
  #stageError(): (err: Error) => void {
    return (this.#stageErrorFn ??= (err: Error) => this.destroy(`stage error: ${err.message}`));
  }

  #stages(dir: Direction): Duplex[] {
    return dir === 'up' ? (this.#stagesUp ??= []) : (this.#stagesDown ??= []);
  }

  #ends(dir: Direction): [Duplex, Duplex] {
    return dir === 'up' ? [this.client, this.upstream] : [this.upstream, this.client];
  }

  /** @internal a bare direction's chunk (the shared socket listeners call these). */
  relay(dir: Direction, chunk: Buffer): void {
    (dir === 'up' ? this.#framesUp : this.#framesDown)?.advance(chunk);
    // No [from, to] array here: this runs for every chunk.
    const up = dir === 'up';
    if (!(up ? this.upstream : this.client).write(chunk)) (up ? this.client : this.upstream).pause();
    (dir === 'up' ? this.#seeUp : this.#seeDown)?.(chunk);
    this.activity(dir, chunk.length);
  }

  /** @internal */
  seeUp(chunk: Buffer): void {
    this.#seeUp?.(chunk);
  }

  /** A bare direction's source sent FIN: pass it on once what was written is flushed, as pipe() does. */
  passEnd(dir: Direction): void {
    const [, to] = this.#ends(dir);
    to.end();
    this.ended(dir === 'up' ? 'client' : 'upstream');
  }

  ended(side: 'client' | 'upstream'): void {
    if (this.done) return;
    this.finishTimer ??= setTimeout(() => this.destroy(`${side} ended its stream; the tunnel did not finish within ${this.finishMs} ms`), this.finishMs);
  }

  activity(dir: Direction, n: number): void {
    if (dir === 'up') this.bytesUp += n;
    else this.bytesDown += n;
    if (this.#onActivity) for (const fn of [...this.#onActivity]) fn(dir, n);
  }

  /**
   * One side is gone. After a clean FIN the other side is ended once the stages have
   * flushed; give that TUNNEL_DRAIN_MS. A side that vanished without FIN is a reset: pass it on.
   */
  halfGone(reason: string): void {
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
    for (const s of [...(this.#stagesUp ?? []), ...(this.#stagesDown ?? [])]) s.destroy();
    const stats: TunnelStats = { bytesUp: this.bytesUp, bytesDown: this.bytesDown, durationMs: Math.round(performance.now() - this.t0), reason };
    const listeners = this.#onClosed ?? [];
    this.#onClosed = undefined;
    this.#onActivity = undefined;
    for (const fn of listeners) fn(stats);
  }

}

function chain(from: Duplex, stages: Duplex[], to: Duplex): void {
  let src: Duplex = from;
  for (const s of stages) src = src.pipe(s);
  src.pipe(to);
}
