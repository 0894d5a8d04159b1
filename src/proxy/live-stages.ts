import { Duplex, Writable, type Transform } from 'node:stream';
import { LIVE_DRAIN_MS } from '../constants.js';
import { FrameBoundaries } from '../protocol/frame-boundary.js';
import { Gate } from './faults/gate.js';

/**
 * One direction of a tunnel's fault stages, as a list that can change while data flows (the
 * control API adds and removes faults on open tunnels). It sits in the tunnel as one stage.
 *
 * - Before the first byte, `add` appends (faults keep the order they were given in).
 * - Later, `add` puts the stage in front, starting at the next frame boundary, so a frame-aware
 *   fault parses from the first byte of a frame and never goes blind on half a frame.
 * - `remove` ends the stage: what it holds (latency's queue, a partial frame) goes on first, and
 *   only then does data bypass it, so bytes are never reordered. A shut Gate holds nothing worth
 *   passing on and goes at once; a stage that does not finish within LIVE_DRAIN_MS is dropped.
 * - End of stream passes through every stage in order; one that never finishes (a shut Gate)
 *   keeps the FIN back, as the fault intends.
 */
export class LiveStages extends Duplex {
  readonly #stages: Transform[] = [];
  /**
   * The list's exit once a stage has been linked: what the last stage produces becomes our
   * output. Made on first use: most tunnels never get a stage, and an idle tunnel's memory counts.
   */
  #sink: Writable | undefined;
  readonly #frames: FrameBoundaries;
  /** Stages waiting for a frame boundary to be put in front. */
  readonly #waiting: Transform[] = [];
  #started = false;
  #ending = false;
  /** Removals one at a time (each may wait for a stage to drain); the first starts at once. */
  readonly #removals: Transform[] = [];
  #removing = false;
  #whenIdle: (() => void)[] = [];
  /** While the front stage drains, input waits here (no reordering, backpressure on the source). */
  #holding = false;
  #held: (() => void) | undefined;
  #readMore: (() => void) | undefined;

  /**
   * `frames`: where a tunnel that carried bytes without us (bare) has got to; stages added then
   * wait for its next frame boundary, as for a list that has seen bytes itself.
   */
  constructor(frames?: FrameBoundaries) {
    super();
    this.#frames = frames ?? new FrameBoundaries();
    this.#started = frames !== undefined;
  }

  #out(): Writable {
    this.#sink ??= new Writable({ write: (chunk: Buffer, _enc, callback) => this.#emit(chunk, callback) });
    return this.#sink;
  }

  /** Our output, with backpressure: `callback` runs when the reader wants more. */
  #emit(chunk: Buffer, callback: () => void): void {
    if (this.push(chunk)) callback();
    else this.#readMore = callback;
  }

  /** How many stages are in the list now (waiting ones excluded). */
  get size(): number {
    return this.#stages.length;
  }

  add(stage: Transform): void {
    if (this.destroyed || this.#ending) {
      stage.destroy();
      return;
    }
    stage.on('error', (err: Error) => this.destroy(err));
    if (!this.#started) return this.#link(stage, this.#stages.length);
    this.#waiting.push(stage);
    if (!this.#holding) this.#linkWaiting();
  }

  remove(stage: Transform): void {
    const waiting = this.#waiting.indexOf(stage);
    if (waiting >= 0) {
      this.#waiting.splice(waiting, 1);
      stage.destroy();
      return;
    }
    this.#removals.push(stage);
    if (!this.#removing) this.#nextRemoval();
  }

  override _read(): void {
    const more = this.#readMore;
    this.#readMore = undefined;
    more?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.#holding) {
      this.#held = () => this._write(chunk, _enc, callback);
      return;
    }
    this.#started = true;
    let at = 0;
    if (this.#waiting.length && !this.#frames.atBoundary && !this.#frames.lost) {
      // Finish the frame in progress through the current list, then put the new stages in front.
      at = this.#frames.advance(chunk, 0, true);
      this.#head.write(chunk.subarray(0, at));
    }
    this.#linkWaiting();
    if (at >= chunk.length) return callback();
    const rest = at ? chunk.subarray(at) : chunk;
    this.#frames.advance(rest);
    // No stage ever linked: straight to the output, the cost of a tunnel without faults.
    if (!this.#sink && !this.#stages.length) return this.#emit(rest, () => callback());
    const head = this.#head;
    if (head.write(rest)) callback();
    else whenDrained(head, () => callback());
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.#ending = true;
    for (const s of this.#waiting.splice(0)) s.destroy();
    this.#idle(() => {
      const stages = [...this.#stages];
      const step = (i: number): void => {
        if (this.destroyed) return callback();
        const s = stages[i];
        if (!s) {
          const done = () => {
            this.push(null);
            callback();
          };
          if (this.#sink) this.#sink.end(done);
          else done();
          return;
        }
        s.once('end', () => step(i + 1));
        s.end();
      };
      step(0);
    });
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    for (const s of [...this.#stages, ...this.#waiting.splice(0)]) s.destroy();
    this.#sink?.destroy();
    this.#held = undefined;
    this.#readMore = undefined;
    callback(err);
  }

  get #head(): Writable {
    return this.#stages[0] ?? this.#out();
  }

  #linkWaiting(): void {
    if (!this.#waiting.length || !(this.#frames.atBoundary || this.#frames.lost)) return;
    for (const s of this.#waiting.splice(0)) this.#link(s, 0);
  }

  #link(stage: Transform, index: number): void {
    const prev = this.#stages[index - 1];
    const next = this.#stages[index] ?? this.#out();
    if (prev) {
      prev.unpipe(next);
      prev.pipe(stage, { end: false });
    }
    stage.pipe(next, { end: false });
    this.#stages.splice(index, 0, stage);
  }

  #idle(fn: () => void): void {
    if (this.#removing) this.#whenIdle.push(fn);
    else fn();
  }

  #nextRemoval(): void {
    const stage = this.#removals.shift();
    this.#removing = stage !== undefined;
    if (stage) return this.#unlink(stage, () => this.#nextRemoval());
    for (const fn of this.#whenIdle.splice(0)) fn();
  }

  #unlink(stage: Transform, resolve: () => void): void {
    const i = this.#stages.indexOf(stage);
    if (i < 0 || this.destroyed) return resolve();
    const prev = this.#stages[i - 1];
    const next = this.#stages[i + 1] ?? this.#out();
    if (prev) prev.unpipe(stage);
    else this.#holding = true;
    this.#stages.splice(i, 1);
    let done = false;
    const forward = (c: Buffer) => next.write(c);
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stage.off('data', forward);
      stage.destroy();
      if (!this.destroyed) {
        if (prev) prev.pipe(next, { end: false });
        else this.#release();
      }
      resolve();
    };
    const timer = setTimeout(finish, LIVE_DRAIN_MS);
    if (stage.destroyed || (stage instanceof Gate && !stage.isOpen)) return finish();
    stage.unpipe(next);
    stage.on('data', forward);
    stage.once('end', finish);
    stage.once('close', finish);
    stage.resume();
    stage.end();
  }

  #release(): void {
    this.#holding = false;
    const held = this.#held;
    this.#held = undefined;
    if (held) held();
    else this.#linkWaiting();
  }
}

/** Calls `fn` once `w` drains, or once it is gone (a stage removed and destroyed meanwhile). */
function whenDrained(w: Writable, fn: () => void): void {
  const done = () => {
    w.off('drain', done);
    w.off('close', done);
    fn();
  };
  w.on('drain', done);
  w.on('close', done);
}
