import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { FrameTap } from '../src/protocol/frame-tap.js';
import { FrameError } from '../src/protocol/frame-error.js';
import { encodeBinary, encodeClose, encodeFrame, encodePing, encodeText } from '../src/protocol/frame-encoder.js';
import type { Frame } from '../src/protocol/frame.js';
import type { FrameParserOptions } from '../src/protocol/frame-parser.js';

interface TapRun {
  output: Buffer;
  frames: Frame[];
  errors: FrameError[];
  tap: FrameTap;
}

/** Write `input` in chunks of the given sizes (cycled), collect everything. */
async function runTap(input: Buffer, sizes: number[], opts?: FrameParserOptions): Promise<TapRun> {
  const tap = new FrameTap('client→server', opts);
  const out: Buffer[] = [];
  const frames: Frame[] = [];
  const errors: FrameError[] = [];
  tap.on('data', (c: Buffer) => out.push(c));
  tap.on('frame', (f) => frames.push(f));
  tap.on('frame-error', (e) => errors.push(e));
  let off = 0;
  for (let i = 0; off < input.length; i++) {
    const size = sizes[i % sizes.length]!;
    tap.write(input.subarray(off, off + size));
    off += size;
  }
  tap.end();
  await once(tap, 'end');
  return { output: Buffer.concat(out), frames, errors, tap };
}

const valid = Buffer.concat([
  encodeText('hello', true),
  encodeFrame({ opcode: 1, fin: false, payload: 'frag' }),
  encodePing('p'),
  encodeFrame({ opcode: 0, payload: 'ment' }),
  encodeBinary(Buffer.alloc(300, 7), true),
  encodeClose(1001, 'bye'),
]);

describe('FrameTap', () => {
  it('passes valid traffic through byte-identical and emits frames in order', async () => {
    for (const sizes of [[valid.length], [1], [3, 7, 1, 50]]) {
      const { output, frames, errors } = await runTap(valid, sizes);
      assert.ok(output.equals(valid), `output differs for sizes ${sizes}`);
      assert.deepEqual(errors, []);
      assert.deepEqual(frames.map((f) => f.opcode), [1, 1, 9, 0, 2, 8]);
      assert.equal(frames[0]?.payload.toString(), 'hello');
      assert.equal(frames[0]?.masked, true);
      assert.equal(frames[4]?.payloadLength, 300);
      assert.equal(frames[5]?.payload.readUInt16BE(0), 1001);
    }
  });

  it('never holds data back waiting for a complete frame', async () => {
    const tap = new FrameTap('server→client');
    const frame = encodeBinary(Buffer.alloc(200, 1));
    let frames = 0;
    tap.on('frame', () => frames++);
    const data = once(tap, 'data');
    tap.write(frame.subarray(0, 1));
    const [chunk] = (await data) as [Buffer];
    assert.deepEqual(chunk, frame.subarray(0, 1));
    assert.equal(frames, 0);
    assert.equal(tap.pendingBytes, 1);
    tap.end(frame.subarray(1));
    tap.resume();
    await once(tap, 'end');
    assert.equal(frames, 1);
    assert.equal(tap.pendingBytes, 0);
  });

  it('on garbage: passes bytes through, emits frame-error once, keeps flowing', async () => {
    const garbage = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const input = Buffer.concat([encodeText('ok'), encodePing(), garbage, valid, garbage]);
    for (const sizes of [[input.length], [1], [5, 2, 11]]) {
      const { output, frames, errors, tap } = await runTap(input, sizes);
      assert.ok(output.equals(input), `output differs for sizes ${sizes}`);
      assert.deepEqual(frames.map((f) => f.opcode), [1, 9], 'frames before the garbage are reported');
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof FrameError);
      assert.equal(errors[0].code, 'WS_ERR_RESERVED_OPCODE'); // 'G' = 0x47 → opcode 7
      assert.equal(tap.frameError, errors[0]);
    }
  });

  it('applies parser options (mask rules) without touching the data', async () => {
    const input = Buffer.concat([encodeText('a', true), encodeText('b'), encodeText('c', true)]);
    const { output, frames, errors } = await runTap(input, [2], { expectMasked: true });
    assert.ok(output.equals(input));
    assert.equal(frames.length, 1);
    assert.equal(errors[0]?.code, 'WS_ERR_MASK_REQUIRED');
  });

  it('random garbage never breaks the pass-through', async () => {
    let state = 12345;
    const next = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16;
    for (let round = 0; round < 50; round++) {
      const input = Buffer.from(Array.from({ length: 1 + (next() % 2000) }, () => next() & 0xff));
      const { output, errors } = await runTap(input, [1 + (next() % 97)]);
      assert.ok(output.equals(input), `round ${round}`);
      assert.ok(errors.length <= 1, `round ${round}: ${errors.length} errors`);
    }
  });
});
