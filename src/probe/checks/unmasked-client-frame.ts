import { Opcode } from '../../protocol/frame.js';
import { violationCheck } from './violation.js';

export const unmaskedClientFrameCheck = violationCheck({
  name: 'unmasked-client-frame',
  expected: 1002,
  rfc: 'RFC 6455 §5.1',
  send: (s) => s.sendFrame({ opcode: Opcode.TEXT, payload: 'wstrace unmasked frame', mask: false }),
});
