import { violationCheck } from './violation.js';

export const reservedOpcodeCheck = violationCheck({
  name: 'reserved-opcode',
  describe: 'a frame with reserved opcode 0x3 must fail the connection with 1002',
  expected: 1002,
  rfc: 'RFC 6455 §5.2',
  send: (s) => s.sendFrame({ opcode: 0x3, payload: 'wstrace reserved opcode' }),
});
