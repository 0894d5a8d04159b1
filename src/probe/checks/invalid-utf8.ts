import { Opcode } from '../../protocol/frame.js';
import { violationCheck } from './violation.js';

/** 0xFF and 0xFE never occur in UTF-8 (RFC 3629 §1). */
const BAD = Buffer.concat([Buffer.from('wstrace '), Buffer.from([0xff, 0xfe]), Buffer.from(' not utf-8')]);

export const invalidUtf8Check = violationCheck({
  name: 'invalid-utf8',
  expected: 1007,
  rfc: 'RFC 6455 §8.1',
  send: (s) => s.sendFrame({ opcode: Opcode.TEXT, payload: BAD }),
});
