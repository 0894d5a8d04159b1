import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameParser, type FrameParserOptions } from '../src/protocol/frame-parser.js';
import { FrameError, type FrameErrorCode } from '../src/protocol/frame-error.js';
import type { Frame } from '../src/protocol/frame.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HELLO = Buffer.from('Hello');
const RFC_MASK = hex('37fa213d');

function frame(partial: Partial<Frame> & Pick<Frame, 'opcode' | 'payload' | 'headerLength'>): Frame {
  return {
    fin: true,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    masked: false,
    payloadLength: partial.payload.length,
    ...partial,
  };
}

const bytes256 = Buffer.alloc(256, 0).map((_, i) => i & 0xff) as Buffer;
const bytes64k = Buffer.alloc(65536).map((_, i) => (i * 7) & 0xff) as Buffer;

// RFC 6455 §5.7 examples; expected frames are written out by hand.
const FIXTURES: { name: string; wire: Buffer; frames: Frame[] }[] = [
  {
    name: 'single-frame unmasked text "Hello"',
    wire: hex('81 05 48 65 6c 6c 6f'),
    frames: [frame({ opcode: 1, payload: HELLO, headerLength: 2 })],
  },
  {
    name: 'single-frame masked text "Hello"',
    wire: hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frames: [frame({ opcode: 1, payload: HELLO, headerLength: 6, masked: true, mask: RFC_MASK })],
  },
  {
    name: 'fragmented unmasked text "Hel" + "lo"',
    wire: hex('01 03 48 65 6c  80 02 6c 6f'),
    frames: [
      frame({ opcode: 1, fin: false, payload: Buffer.from('Hel'), headerLength: 2 }),
      frame({ opcode: 0, payload: Buffer.from('lo'), headerLength: 2 }),
    ],
  },
  {
    name: 'unmasked ping "Hello"',
    wire: hex('89 05 48 65 6c 6c 6f'),
    frames: [frame({ opcode: 9, payload: HELLO, headerLength: 2 })],
  },
  {
    name: 'masked pong "Hello"',
    wire: hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'),
    frames: [frame({ opcode: 10, payload: HELLO, headerLength: 6, masked: true, mask: RFC_MASK })],
  },
  {
    name: '256-byte binary, 16-bit length',
    wire: Buffer.concat([hex('82 7e 01 00'), bytes256]),
    frames: [frame({ opcode: 2, payload: bytes256, headerLength: 4 })],
  },
  {
    name: '64 KiB binary, 64-bit length',
    wire: Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), bytes64k]),
    frames: [frame({ opcode: 2, payload: bytes64k, headerLength: 10 })],
  },
];

function feedAll(chunks: Buffer[], opts?: FrameParserOptions): Frame[] {
  const parser = new FrameParser(opts);
  const out: Frame[] = [];
  for (const c of chunks) out.push(...parser.push(c));
  assert.equal(parser.bufferedBytes, 0, 'no leftover bytes');
  return out;
}

/** Cheap deep compare: deepStrictEqual on 64 KiB payloads 65k times is slow. */
function assertFrames(actual: Frame[], expected: Frame[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: frame count`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.ok(a.payload.equals(e.payload), `${label}: payload of frame ${i}`);
    assert.deepEqual({ ...a, payload: null }, { ...e, payload: null }, `${label}: frame ${i}`);
  }
}

describe('FrameParser: RFC 6455 §5.7 examples', () => {
  for (const fx of FIXTURES) {
    it(`${fx.name}: whole, byte-by-byte and split at every boundary`, () => {
      assertFrames(feedAll([fx.wire]), fx.frames, 'whole');
      const single = [...fx.wire].map((b) => Buffer.from([b]));
      assertFrames(feedAll(single), fx.frames, 'byte-by-byte');
      for (let i = 0; i <= fx.wire.length; i++) {
        assertFrames(feedAll([fx.wire.subarray(0, i), fx.wire.subarray(i)]), fx.frames, `split@${i}`);
      }
      if (fx.wire.length < 300) {
        for (let i = 0; i <= fx.wire.length; i++) {
          for (let j = i; j <= fx.wire.length; j++) {
            const parts = [fx.wire.subarray(0, i), fx.wire.subarray(i, j), fx.wire.subarray(j)];
            assertFrames(feedAll(parts), fx.frames, `split@${i},${j}`);
          }
        }
      }
    });
  }

  it('parses several frames from one chunk, in order', () => {
    const all = Buffer.concat(FIXTURES.map((f) => f.wire));
    const expected = FIXTURES.flatMap((f) => f.frames);
    assertFrames(feedAll([all]), expected, 'concat');
  });

  it('does not modify the caller\'s chunk when unmasking', () => {
    const wire = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const copy = Buffer.from(wire);
    new FrameParser().push(wire);
    assert.deepEqual(wire, copy);
  });

  it('accepts control frames interleaved in a fragmented message', () => {
    const wire = hex('01 03 48 65 6c  89 00  8a 01 41  80 02 6c 6f');
    const p = new FrameParser();
    const frames = p.push(wire);
    assert.deepEqual(frames.map((f) => f.opcode), [1, 9, 10, 0]);
    assert.equal(p.messageOpen, false);
  });

  it('tracks messageOpen and bufferedBytes', () => {
    const p = new FrameParser();
    assert.equal(p.messageOpen, false);
    p.push(hex('01 03 48 65 6c'));
    assert.equal(p.messageOpen, true);
    assert.deepEqual(p.push(hex('80')), []);
    assert.equal(p.bufferedBytes, 1);
    assert.deepEqual(p.push(hex('02 6c')), []);
    assert.equal(p.bufferedBytes, 3, 'a consumed header still counts as pending');
    assert.equal(p.push(hex('6f')).length, 1);
    assert.equal(p.bufferedBytes, 0);
    assert.equal(p.messageOpen, false);
  });

  it('accepts non-minimal 16- and 64-bit lengths', () => {
    const f16 = new FrameParser().push(hex('82 7e 00 02 aa bb'));
    assert.deepEqual(f16[0]?.payload, hex('aabb'));
    assert.equal(f16[0]?.headerLength, 4);
    const f64 = new FrameParser().push(hex('82 7f 00 00 00 00 00 00 00 01 cc'));
    assert.deepEqual(f64[0]?.payload, hex('cc'));
    assert.equal(f64[0]?.headerLength, 10);
  });

  it('accepts RSV bits by default and reports them', () => {
    const [f] = new FrameParser().push(hex('f1 00'));
    assert.deepEqual([f?.rsv1, f?.rsv2, f?.rsv3], [true, true, true]);
  });

  it('feed() delivers frames preceding an invalid one before throwing', () => {
    const seen: number[] = [];
    const p = new FrameParser();
    assert.throws(() => p.feed(hex('89 00 8a 00 83 00'), (f) => seen.push(f.opcode)), FrameError);
    assert.deepEqual(seen, [9, 10]);
  });
});

interface ErrorCase {
  name: string;
  wire: Buffer;
  code: FrameErrorCode;
  closeCode: number;
  opts?: FrameParserOptions;
}

const ERROR_CASES: ErrorCase[] = [
  { name: 'reserved data opcode 0x3', wire: hex('83 00'), code: 'WS_ERR_RESERVED_OPCODE', closeCode: 1002 },
  { name: 'reserved control opcode 0xB', wire: hex('8b 00'), code: 'WS_ERR_RESERVED_OPCODE', closeCode: 1002 },
  { name: 'ping with 126 bytes', wire: hex('89 7e 00 7e'), code: 'WS_ERR_CONTROL_TOO_LONG', closeCode: 1002 },
  { name: 'close with 64-bit length', wire: hex('88 7f'), code: 'WS_ERR_CONTROL_TOO_LONG', closeCode: 1002 },
  { name: 'ping without FIN', wire: hex('09 00'), code: 'WS_ERR_CONTROL_FRAGMENTED', closeCode: 1002 },
  { name: 'frame over maxPayload', wire: hex('82 0b'), code: 'WS_ERR_PAYLOAD_TOO_BIG', closeCode: 1009, opts: { maxPayload: 10 } },
  { name: 'fragmented message over maxPayload', wire: hex('02 06 000000000000 80 05'), code: 'WS_ERR_PAYLOAD_TOO_BIG', closeCode: 1009, opts: { maxPayload: 10 } },
  { name: 'close code 1005', wire: hex('88 02 03 ed'), code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002 },
  { name: 'close code 999', wire: hex('88 02 03 e7'), code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002 },
  { name: 'close code 5000', wire: hex('88 02 13 88'), code: 'WS_ERR_INVALID_CLOSE_CODE', closeCode: 1002 },
  { name: '1-byte close body', wire: hex('88 01 03'), code: 'WS_ERR_INVALID_CLOSE_PAYLOAD', closeCode: 1002 },
  { name: 'close reason not UTF-8', wire: hex('88 03 03 e8 ff'), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007 },
  { name: 'text not UTF-8', wire: hex('81 01 ff'), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, opts: { validateUtf8: true } },
  { name: 'fragmented text with bad byte', wire: hex('01 01 61 80 01 c0'), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, opts: { validateUtf8: true } },
  { name: 'text ends mid code point', wire: hex('01 01 61 80 01 c3'), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, opts: { validateUtf8: true } },
  { name: 'UTF-16 surrogate in text', wire: hex('81 03 ed a0 80'), code: 'WS_ERR_INVALID_UTF8', closeCode: 1007, opts: { validateUtf8: true } },
  { name: '64-bit length with MSB set', wire: hex('82 7f 80 00 00 00 00 00 00 00'), code: 'WS_ERR_BAD_LENGTH', closeCode: 1002 },
  { name: 'continuation with nothing open', wire: hex('80 00'), code: 'WS_ERR_UNEXPECTED_CONTINUATION', closeCode: 1002 },
  { name: 'continuation after a complete message', wire: hex('81 00 00 00'), code: 'WS_ERR_UNEXPECTED_CONTINUATION', closeCode: 1002 },
  { name: 'new text while a message is open', wire: hex('01 00 81 00'), code: 'WS_ERR_EXPECTED_CONTINUATION', closeCode: 1002 },
  { name: 'new binary after ping inside a message', wire: hex('02 00 89 00 82 00'), code: 'WS_ERR_EXPECTED_CONTINUATION', closeCode: 1002 },
  { name: 'unmasked frame, mask required', wire: hex('81 00'), code: 'WS_ERR_MASK_REQUIRED', closeCode: 1002, opts: { expectMasked: true } },
  { name: 'masked frame, mask forbidden', wire: hex('81 80 01 02 03 04'), code: 'WS_ERR_MASK_FORBIDDEN', closeCode: 1002, opts: { expectMasked: false } },
  { name: 'RSV1 set, not allowed', wire: hex('c1 00'), code: 'WS_ERR_RSV_SET', closeCode: 1002, opts: { allowRsv: false } },
  { name: 'RSV3 set, not allowed', wire: hex('92 00'), code: 'WS_ERR_RSV_SET', closeCode: 1002, opts: { allowRsv: false } },
];

describe('FrameParser: errors', () => {
  for (const c of ERROR_CASES) {
    it(`${c.name} → ${c.code}`, () => {
      const p = new FrameParser(c.opts);
      let caught: unknown;
      try {
        p.push(c.wire);
      } catch (err) {
        caught = err;
      }
      assert.ok(caught instanceof FrameError, `expected a FrameError, got ${String(caught)}`);
      assert.equal(caught.code, c.code);
      assert.equal(caught.closeCode, c.closeCode);
      assert.equal(p.error, caught);
      // The stream is dead: any further push rethrows the very same error.
      assert.throws(() => p.push(hex('81 00')), (e) => e === caught);
      assert.throws(() => p.push(Buffer.alloc(0)), (e) => e === caught);
    });
  }

  it('rejects an over-long frame from its header, before any payload', () => {
    const p = new FrameParser({ maxPayload: 1000 });
    assert.throws(() => p.push(hex('82 7e 03 e9')), { code: 'WS_ERR_PAYLOAD_TOO_BIG', closeCode: 1009 });
    // Default limit: a 2^40-byte frame is refused from its 10-byte header.
    const q = new FrameParser();
    assert.throws(() => q.push(hex('82 7f 00 00 01 00 00 00 00 00')), { code: 'WS_ERR_PAYLOAD_TOO_BIG' });
  });

  it('frames at exactly maxPayload are fine; maxPayload 0 means unlimited', () => {
    assert.equal(new FrameParser({ maxPayload: 3 }).push(hex('82 03 01 02 03')).length, 1);
    assert.equal(new FrameParser({ maxPayload: 0 }).push(Buffer.concat([hex('82 7f 00 00 00 00 01 00 00 01'), Buffer.alloc(16 * 1024 * 1024 + 1)])).length, 1);
  });

  it('does not validate UTF-8 unless asked, and not for compressed messages', () => {
    assert.equal(new FrameParser().push(hex('81 01 ff')).length, 1);
    assert.equal(new FrameParser({ validateUtf8: true }).push(hex('c1 01 ff')).length, 1);
  });

  it('accepts a code point split across fragments when validating', () => {
    const frames = new FrameParser({ validateUtf8: true }).push(hex('01 01 c3 89 00 80 01 a9'));
    assert.equal(frames.length, 3);
  });

  it('checks mask expectations in both directions', () => {
    assert.equal(new FrameParser({ expectMasked: true }).push(hex('81 80 01 02 03 04')).length, 1);
    assert.equal(new FrameParser({ expectMasked: false }).push(hex('81 00')).length, 1);
    assert.equal(new FrameParser().push(hex('81 00 81 80 01 02 03 04')).length, 2);
  });

  it('accepts valid close frames', () => {
    const frames = new FrameParser().push(hex('88 00 88 02 03 e8 88 04 0f a0 68 69'));
    assert.equal(frames.length, 3);
  });
});
