import { InputError } from '../errors.js';
import type { Check } from './check.js';
import { handshakeCheck } from './checks/handshake.js';
import { echoCheck } from './checks/echo.js';
import { pingCheck } from './checks/ping.js';
import { closeReplyCheck } from './checks/close-reply.js';
import { maxMessageCheck } from './checks/max-message.js';
import { invalidUtf8Check } from './checks/invalid-utf8.js';
import { reservedOpcodeCheck } from './checks/reserved-opcode.js';
import { unmaskedClientFrameCheck } from './checks/unmasked-client-frame.js';
import { oversizedControlCheck } from './checks/oversized-control.js';
import { compressionCheck } from './checks/compression.js';
import { subprotocolCheck } from './checks/subprotocol.js';
import { unansweredCloseCheck } from './checks/unanswered-close.js';
import { silentAfterUpgradeCheck } from './checks/silent-after-upgrade.js';
import { idleTimeoutCheck } from './checks/idle-timeout.js';

/** Every check, in report order: quick ones first, long ones (which wait on the peer) last. */
export const CHECKS: readonly Check[] = [
  handshakeCheck, echoCheck, pingCheck, closeReplyCheck, maxMessageCheck,
  invalidUtf8Check, reservedOpcodeCheck, unmaskedClientFrameCheck, oversizedControlCheck,
  compressionCheck, subprotocolCheck,
  unansweredCloseCheck, silentAfterUpgradeCheck, idleTimeoutCheck,
];

/**
 * `--check NAME`… picks those (in report order, once each); `--all` adds the long ones to the
 * default set; neither gives every quick check.
 */
export function selectChecks(names: string[], all: boolean): Check[] {
  for (const n of names) {
    if (!CHECKS.some((c) => c.name === n)) {
      throw new InputError('ERR_UNKNOWN_CHECK', `unknown check ${JSON.stringify(n)}: known checks are ${CHECKS.map((c) => c.name).join(', ')}`);
    }
  }
  if (all) return [...CHECKS];
  if (names.length) return CHECKS.filter((c) => names.includes(c.name));
  return CHECKS.filter((c) => !c.long);
}
