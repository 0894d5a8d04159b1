import { violationCheck } from './violation.js';

export const reservedOpcodeCheck = violationCheck({
  name: 'reserved-opcode',
  expected: 1002,
  rfc: 'RFC 6455 §5.2',
  send: (s) => s.sendFrame({ opcode: 0x3, payload: 'wstrace reserved opcode' }),
});
