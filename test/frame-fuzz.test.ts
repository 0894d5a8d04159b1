import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FrameParser, type FrameParserOptions } from '../src/protocol/frame-parser.js';
import { FrameError, FRAME_ERROR_CODES } from '../src/protocol/frame-error.js';
import { encodeFrame } from '../src/protocol/frame-encoder.js';
import { encodeClosePayload } from '../src/protocol/close-codes.js';
import { prng } from './helpers/prng.js';


const ITERATIONS = 100_000;

describe('FrameParser fuzz', () => {
  it(`${ITERATIONS.toLocaleString('en')} random and mutated inputs only ever throw FrameError`, () => {
    const seed = Number(process.env.WSTRACE_SEED ?? Date.now() % 2 ** 31);
    const rnd = prng(seed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const bytes = (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    };

    /** A coherent run of frames (fragmentation and masking mostly right). */
    const validFrames = (count: number, masked: boolean | undefined): Buffer => {
      const out: Buffer[] = [];
      let open = false;
      for (let i = 0; i < count; i++) {
        const control = rnd() < 0.3;
        const opcode = control ? pick([8, 9, 10]) : open ? 0 : pick([1, 2]);
        let payload: Buffer;
        if (opcode === 8) payload = rnd() < 0.3 ? Buffer.alloc(0) : encodeClosePayload(pick([1000, 1002, 1005, 3000, 999]), 'bye');
        else if (control) payload = bytes(int(126));
        else if (rnd() < 0.1) payload = bytes(126 + int(1000));
        else payload = rnd() < 0.5 ? Buffer.from('héllo wörld ✓'.slice(0, int(14))) : bytes(int(40));
        const fin = control || rnd() < 0.7;
        if (!control) open = !fin;
        const mask = masked === undefined ? rnd() < 0.5 : rnd() < 0.95 ? masked : !masked;
        out.push(encodeFrame({ opcode, payload, fin, rsv1: !control && rnd() < 0.1, mask: mask ? bytes(4) : false }));
      }
      return Buffer.concat(out);
    };

    const mutate = (input: Buffer): Buffer => {
      let b: Buffer = Buffer.from(input);
      const rounds = 1 + int(3);
      for (let r = 0; r < rounds && b.length > 0; r++) {
        switch (int(5)) {
          case 0: // flip 1-4 bits
            for (let k = 1 + int(4); k > 0; k--) b[int(b.length)]! ^= 1 << int(8);
            break;
          case 1: // truncate
            b = b.subarray(0, int(b.length + 1));
            break;
          case 2: { // splice in random bytes
            const at = int(b.length + 1);
            b = Buffer.concat([b.subarray(0, at), bytes(1 + int(12)), b.subarray(at)]);
            break;
          }
          case 3: { // delete a range
            const at = int(b.length);
            b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
            break;
          }
          default: { // duplicate a range elsewhere
            const from = int(b.length);
            const seg = b.subarray(from, from + 1 + int(20));
            const at = int(b.length + 1);
            b = Buffer.concat([b.subarray(0, at), seg, b.subarray(at)]);
          }
        }
      }
      return b;
    };

    const codes = new Set<string>();
    let framesSeen = 0;
    let cleanRuns = 0;
    let input: Buffer = Buffer.alloc(0);
    let opts: FrameParserOptions = {};
    let iteration = 0;
    try {
      for (iteration = 0; iteration < ITERATIONS; iteration++) {
        opts = {
          expectMasked: pick([undefined, true, false]),
          validateUtf8: rnd() < 0.5,
          allowRsv: rnd() < 0.7,
          maxPayload: pick([undefined, 0, 64, 500]),
        };
        if (rnd() < 0.2) {
          input = bytes(int(48));
        } else {
          const valid = validFrames(1 + int(4), opts.expectMasked);
          input = rnd() < 0.25 ? valid : mutate(valid);
        }
        const parser = new FrameParser(opts);
        let consumed = 0;
        let off = 0;
        let failed: unknown;
        while (off < input.length) {
          const size = 1 + int(rnd() < 0.5 ? 4 : 64);
          try {
            for (const f of parser.push(input.subarray(off, off + size))) {
              framesSeen++;
              consumed += f.headerLength + f.payloadLength;
              assert.equal(f.payload.length, f.payloadLength);
              assert.ok(f.opcode <= 2 || (f.opcode >= 8 && f.opcode <= 10), `opcode ${f.opcode}`);
            }
          } catch (err) {
            failed = err;
            break;
          }
          off += size;
        }
        if (failed === undefined) {
          cleanRuns++;
          // Every input byte is either inside a returned frame or still buffered.
          assert.equal(consumed + parser.bufferedBytes, input.length, 'byte accounting');
        } else {
          if (!(failed instanceof FrameError)) throw failed;
          codes.add(failed.code);
          assert.ok([1002, 1007, 1009].includes(failed.closeCode));
          assert.throws(() => parser.push(Buffer.from([0x81, 0])), (e) => e === failed, 'dead parser rethrows');
        }
      }
      // Guard against a fuzzer that silently stopped exercising anything.
      assert.ok(framesSeen > ITERATIONS / 2, `only ${framesSeen} frames parsed`);
      assert.ok(cleanRuns > ITERATIONS / 20, `only ${cleanRuns} clean runs`);
      const missing = FRAME_ERROR_CODES.filter((c) => !codes.has(c));
      assert.deepEqual(missing, [], 'every error code should be reachable by the fuzzer');
    } catch (err) {
      throw new Error(
        `fuzz failure, replay with WSTRACE_SEED=${seed} (iteration ${iteration}, opts ${JSON.stringify(opts)}, ` +
          `input ${input.toString('hex').slice(0, 400)}): ${err instanceof Error ? err.stack : String(err)}`,
      );
    }
  });
});
