import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  closeCodeDescription,
  closeCodeName,
  encodeClosePayload,
  isValidCloseCode,
  parseClosePayload,
} from '../src/protocol/close-codes.js';
import { FrameError } from '../src/protocol/frame-error.js';

describe('close codes', () => {
  it('names known codes and ranges', () => {
    assert.equal(closeCodeName(1000), 'Normal Closure');
    assert.equal(closeCodeName(1006), 'Abnormal Closure');
    assert.equal(closeCodeName(1009), 'Message Too Big');
    assert.equal(closeCodeName(3001), 'Registered (library/framework)');
    assert.equal(closeCodeName(4000), 'Private Use (application)');
    assert.equal(closeCodeName(2000), 'Reserved (protocol)');
    assert.equal(closeCodeName(999), 'Invalid');
    assert.match(closeCodeDescription(1006), /without a close frame/);
  });

  it('knows which codes may appear on the wire', () => {
    const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1011, 1014, 3000, 4999];
    const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535];
    for (const c of valid) assert.equal(isValidCloseCode(c), true, String(c));
    for (const c of invalid) assert.equal(isValidCloseCode(c), false, String(c));
  });

  it('parses close payloads', () => {
    assert.deepEqual(parseClosePayload(Buffer.alloc(0)), { reason: '' });
    assert.deepEqual(parseClosePayload(Buffer.from([0x03, 0xe8])), { code: 1000, reason: '' });
    assert.deepEqual(parseClosePayload(encodeClosePayload(4001, 'élan')), { code: 4001, reason: 'élan' });
  });

  it('rejects malformed close payloads with FrameError', () => {
    const check = (buf: Buffer, code: string, closeCode: number): void => {
      assert.throws(() => parseClosePayload(buf), (e) => e instanceof FrameError && e.code === code && e.closeCode === closeCode);
    };
    check(Buffer.from([0x03]), 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002);
    check(Buffer.from([0x03, 0xed]), 'WS_ERR_INVALID_CLOSE_CODE', 1002);
    check(Buffer.from([0x03, 0xe8, 0xc3]), 'WS_ERR_INVALID_UTF8', 1007);
  });

  it('encodes without validating the code, but within uint16', () => {
    assert.deepEqual(encodeClosePayload(1005), Buffer.from([0x03, 0xed]));
    assert.deepEqual(encodeClosePayload(1000, Buffer.from([0xff])), Buffer.from([0x03, 0xe8, 0xff]));
    assert.throws(() => encodeClosePayload(70000), RangeError);
  });
});
