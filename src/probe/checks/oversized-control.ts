import { Opcode } from '../../protocol/frame.js';
import { violationCheck } from './violation.js';

export const oversizedControlCheck = violationCheck({
  name: 'oversized-control',
  expected: 1002,
  rfc: 'RFC 6455 §5.5',
  send: (s) => s.sendFrame({ opcode: Opcode.PING, payload: Buffer.alloc(126, 0x78) }),
});
