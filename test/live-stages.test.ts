// The live stage list on its own: stages added while bytes flow start on a frame boundary,
// removed stages hand on what they hold before anything overtakes it, end of stream goes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { LiveStages } from '../src/proxy/live-stages.js';
import { FrameStage } from '../src/proxy/faults/frame-stage.js';
import { Gate } from '../src/proxy/faults/gate.js';
import { FrameBoundaries } from '../src/protocol/frame-boundary.js';
import { encodeBinary, encodePong, encodeText } from '../src/protocol/frame-encoder.js';
import { Opcode } from '../src/protocol/frame.js';

function collect(s: LiveStages): { bytes: () => Buffer; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no end within 2 s')), 2_000);
    s.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { bytes: () => Buffer.concat(chunks), ended };
}

const tick = () => new Promise((r) => setImmediate(r));
const dropPongs = () => new FrameStage((f, raw) => (f.opcode === Opcode.PONG ? null : raw));

test('FrameBoundaries: stops at the end of each frame, masked or not, 7/16/64-bit lengths', () => {
  const frames = [encodeText('hi'), encodeBinary(Buffer.alloc(300)), encodeBinary(Buffer.alloc(70_000), true), encodePong()];
  const all = Buffer.concat(frames);
  const b = new FrameBoundaries();
  const stops: number[] = [];
  // Fed one byte at a time and stopping at every boundary: the offsets are the frames' ends.
  for (let i = 0; i < all.length; i++) if (b.advance(all.subarray(i, i + 1), 0, true) === 1 && b.atBoundary) stops.push(i + 1);
  let end = 0;
  assert.deepEqual(stops, frames.map((f) => (end += f.length)));
});

test('FrameBoundaries: a header read whole from a chunk or gathered across a split gives the same boundaries', () => {
  const frames = [encodeText('hi'), encodeBinary(Buffer.alloc(300)), encodeBinary(Buffer.alloc(70_000), true), encodePong(), encodeText('')];
  const all = Buffer.concat(frames);
  let end = 0;
  const expected = frames.map((f) => (end += f.length));
  const stopsOf = (chunks: Buffer[]) => {
    const b = new FrameBoundaries();
    const stops: number[] = [];
    let base = 0;
    for (const c of chunks) {
      for (let at = 0; at < c.length; ) {
        at = b.advance(c, at, true);
        if (b.atBoundary) stops.push(base + at);
      }
      base += c.length;
    }
    return stops;
  };
  assert.deepEqual(stopsOf([all]), expected, 'one chunk');
  // Every split point in the first 320 bytes (inside the headers of the first three frames) and around the third header.
  for (const cut of [...Array.from({ length: 320 }, (_, i) => i + 1), 306, 307, 308, 309, 310, 311, 312, 313]) {
    assert.deepEqual(stopsOf([all.subarray(0, cut), all.subarray(cut)]), expected, `split at ${cut}`);
  }
});

test('a frame-aware stage added mid-frame starts at the next frame boundary', async () => {
  const s = new LiveStages();
  const out = collect(s);
  const big = encodeBinary(Buffer.alloc(10_000, 1));
  s.write(big.subarray(0, 3_000)); // half a frame already through
  await tick();
  s.add(dropPongs());
  s.write(Buffer.concat([big.subarray(3_000), encodePong('p'), encodeText('after')]));
  s.end();
  await out.ended;
  assert.deepEqual(out.bytes(), Buffer.concat([big, encodeText('after')]), 'the big frame whole, the pong dropped');
});

/** Holds everything until end: the worst case for reordering on removal. */
class Hold extends Transform {
  #held: Buffer[] = [];
  override _transform(c: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    this.#held.push(c);
    cb();
  }
  override _flush(cb: TransformCallback): void {
    for (const c of this.#held) this.push(c);
    cb();
  }
}

test('a removed stage hands on what it holds before later bytes pass', async () => {
  const s = new LiveStages();
  const out = collect(s);
  const hold = new Hold();
  s.add(hold);
  s.add(new PassThrough());
  s.write(Buffer.from('one,'));
  await tick();
  assert.equal(out.bytes().toString(), '', 'held');
  s.remove(hold);
  s.write(Buffer.from('two'));
  s.end();
  await out.ended;
  assert.equal(out.bytes().toString(), 'one,two');
});

test('removing a shut gate does not wait; end of stream passes every stage', async () => {
  const s = new LiveStages();
  const out = collect(s);
  const gate = new Gate();
  s.add(gate);
  s.write(Buffer.from('a'));
  await tick();
  gate.shut();
  s.write(Buffer.from('swallowed'));
  await tick();
  s.remove(gate);
  s.write(Buffer.from('b'));
  s.end();
  await out.ended;
  assert.equal(out.bytes().toString(), 'ab');
});
