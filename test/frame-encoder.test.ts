import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  encodeBinary,
  encodeClose,
  encodeFrame,
  encodePing,
  encodePong,
  encodeText,
} from '../src/protocol/frame-encoder.js';
import { FrameParser, type FrameParserOptions } from '../src/protocol/frame-parser.js';
import { FrameError, type FrameErrorCode } from '../src/protocol/frame-error.js';
import { encodeClosePayload } from '../src/protocol/close-codes.js';
import { Opcode, type Frame } from '../src/protocol/frame.js';
import { prng } from './helpers/prng.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');


describe('encodeFrame: wire format', () => {
  it('matches the RFC 6455 §5.7 examples byte for byte', () => {
    const mask = hex('37fa213d');
    assert.deepEqual(encodeText('Hello'), hex('81 05 48 65 6c 6c 6f'));
    assert.deepEqual(encodeText('Hello', mask), hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    assert.deepEqual(encodeFrame({ opcode: Opcode.TEXT, fin: false, payload: 'Hel' }), hex('01 03 48 65 6c'));
    assert.deepEqual(encodeFrame({ opcode: Opcode.CONTINUATION, payload: 'lo' }), hex('80 02 6c 6f'));
    assert.deepEqual(encodePing('Hello'), hex('89 05 48 65 6c 6c 6f'));
    assert.deepEqual(encodePong('Hello', mask), hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
  });

  it('chooses the minimal length encoding', () => {
    const cases: [number, string][] = [
      [0, '82 00'],
      [125, '82 7d'],
      [126, '82 7e 00 7e'],
      [65535, '82 7e ff ff'],
      [65536, '82 7f 00 00 00 00 00 01 00 00'],
    ];
    for (const [len, header] of cases) {
      const out = encodeBinary(Buffer.alloc(len, 0xab));
      const h = hex(header);
      assert.deepEqual(out.subarray(0, h.length), h, `header for ${len}`);
      assert.equal(out.length, h.length + len, `total for ${len}`);
    }
  });

  it('sets FIN/RSV bits and a random mask when asked', () => {
    const out = encodeFrame({ opcode: 2, fin: false, rsv1: true, rsv2: true, rsv3: true, payload: 'x', mask: true });
    assert.equal(out[0], 0x72);
    assert.equal(out[1], 0x81);
    const [f] = new FrameParser().push(out);
    assert.equal(f?.payload.toString(), 'x');
    const masks = new Set(Array.from({ length: 8 }, () => encodeText('a', true).subarray(2, 6).toString('hex')));
    assert.ok(masks.size > 1, 'mask: true must pick fresh keys');
  });

  it('encodes close frames', () => {
    assert.deepEqual(encodeClose(), hex('88 00'));
    assert.deepEqual(encodeClose(1000, 'hi'), hex('88 04 03 e8 68 69'));
    assert.throws(() => encodeClose(undefined, 'why'), TypeError);
  });

  it('refuses only what the wire cannot represent', () => {
    assert.throws(() => encodeFrame({ opcode: 16, payload: '' }), RangeError);
    assert.throws(() => encodeFrame({ opcode: -1, payload: '' }), RangeError);
    assert.throws(() => encodeFrame({ opcode: 1, payload: '', mask: Buffer.alloc(3) }), RangeError);
  });
});

describe('encodeFrame: deliberately invalid frames are rejected by the parser', () => {
  const cases: { name: string; wire: Buffer; code: FrameErrorCode; opts?: FrameParserOptions }[] = [
    { name: 'reserved opcode', wire: encodeFrame({ opcode: 0x5, payload: 'x' }), code: 'WS_ERR_RESERVED_OPCODE' },
    { name: 'oversized ping', wire: encodePing(Buffer.alloc(126)), code: 'WS_ERR_CONTROL_TOO_LONG' },
    { name: 'unmasked client frame', wire: encodeText('hi'), code: 'WS_ERR_MASK_REQUIRED', opts: { expectMasked: true } },
    { name: 'masked server frame', wire: encodeText('hi', true), code: 'WS_ERR_MASK_FORBIDDEN', opts: { expectMasked: false } },
    { name: 'fragmented control frame', wire: encodeFrame({ opcode: Opcode.PING, fin: false, payload: '' }), code: 'WS_ERR_CONTROL_FRAGMENTED' },
    { name: 'close 1005 on the wire', wire: encodeClose(1005), code: 'WS_ERR_INVALID_CLOSE_CODE' },
    { name: 'stray continuation', wire: encodeFrame({ opcode: 0, payload: 'x' }), code: 'WS_ERR_UNEXPECTED_CONTINUATION' },
    { name: 'RSV2 without extension', wire: encodeFrame({ opcode: 1, rsv2: true, payload: '' }), code: 'WS_ERR_RSV_SET', opts: { allowRsv: false } },
  ];
  for (const c of cases) {
    it(`${c.name} → ${c.code}`, () => {
      assert.throws(() => new FrameParser(c.opts).push(c.wire), (err) => err instanceof FrameError && err.code === c.code);
    });
  }
});

describe('encodeFrame → FrameParser round trip (property)', () => {
  it('2,000 random frames survive random chunking unchanged', () => {
    const seed = Number(process.env.WSTRACE_SEED ?? Date.now() % 2 ** 31);
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const randomBytes = (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    };
    const dataLengths = [0, 1, 125, 126, 127, 65535, 65536];

    const expected: Frame[] = [];
    const wires: Buffer[] = [];
    let open = false;
    for (let n = 0; n < 2000; n++) {
      const last = n === 1999;
      let opcode: number;
      let payload: Buffer;
      let fin = true;
      let rsv1 = false;
      if (!last && rnd() < 0.3) {
        opcode = pick([Opcode.CLOSE, Opcode.PING, Opcode.PONG]);
        if (opcode === Opcode.CLOSE) {
          payload = rnd() < 0.2 ? Buffer.alloc(0) : encodeClosePayload(pick([1000, 1001, 1011, 3000, 4999]), 'r'.repeat(int(124)));
        } else {
          payload = randomBytes(pick([0, 125, int(126)]));
        }
      } else {
        opcode = open ? Opcode.CONTINUATION : pick([Opcode.TEXT, Opcode.BINARY]);
        // Big lengths are rarer so the whole test stays fast.
        const len = rnd() < 0.15 ? pick(dataLengths) : rnd() < 0.05 ? int(200_000) : int(600);
        payload = randomBytes(len);
        fin = last || rnd() < 0.6;
        rsv1 = !open && rnd() < 0.2;
        open = !fin;
      }
      const mask = rnd() < 0.5 ? randomBytes(4) : undefined;
      wires.push(encodeFrame({ opcode, payload, fin, rsv1, ...(mask ? { mask } : {}) }));
      const len = payload.length;
      const f: Frame = {
        fin, rsv1, rsv2: false, rsv3: false, opcode, masked: mask !== undefined, payload,
        headerLength: 2 + (len < 126 ? 0 : len < 65536 ? 2 : 8) + (mask ? 4 : 0),
        payloadLength: len,
      };
      if (mask) f.mask = mask;
      expected.push(f);
    }
    const stream = Buffer.concat(wires);

    // Random cut points, concentrated around frame starts so headers, masks
    // and payload edges straddle chunks often (big payloads would otherwise
    // swallow most cuts).
    const cuts = new Set<number>([stream.length]);
    let start = 0;
    for (const w of wires) {
      if (rnd() < 0.7) cuts.add(Math.max(0, start + int(24) - 8));
      if (rnd() < 0.3) cuts.add(start + int(w.length + 1));
      start += w.length;
    }
    for (let k = 0; k < 500; k++) cuts.add(int(stream.length));
    const sorted = [...cuts].filter((c) => c > 0 && c <= stream.length).sort((x, y) => x - y);

    const parser = new FrameParser({ validateUtf8: false });
    const got: Frame[] = [];
    let off = 0;
    try {
      for (const cut of sorted) {
        for (const f of parser.push(stream.subarray(off, cut))) got.push(f);
        off = cut;
      }
      assert.equal(parser.bufferedBytes, 0);
      assert.equal(got.length, expected.length);
      for (let i = 0; i < expected.length; i++) assert.deepEqual(got[i], expected[i], `frame ${i}`);
    } catch (err) {
      throw new Error(`round trip failed with WSTRACE_SEED=${seed} (chunk at ${off}): ${(err as Error).message}`);
    }
  });
});
