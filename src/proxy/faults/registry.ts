import { InputError } from '../../errors.js';
import type { Fault, FaultKind } from './fault.js';
import { stripUpgrade } from './strip-upgrade.js';
import { hang } from './hang.js';
import { status } from './status.js';
import { idleTimeout } from './idle-timeout.js';
import { maxLifetime } from './max-lifetime.js';
import { drain } from './drain.js';
import { maxMessage } from './max-message.js';
import { dropClose } from './drop-close.js';
import { dropPong } from './drop-pong.js';
import { blackhole } from './blackhole.js';
import { latency } from './latency.js';
import { bandwidth } from './bandwidth.js';
import { resetAfter } from './reset-after.js';
import { slicer } from './slicer.js';
import { stripHeader } from './strip-header.js';
import { setHeader } from './set-header.js';
import { stripExtensions } from './strip-extensions.js';
import { corruptRsv1 } from './corrupt-rsv1.js';
import { noExtendedConnect } from './no-extended-connect.js';

/** Every fault kind by name, in README order. Each lives in its own file next to this one. */
export const FAULT_KINDS: FaultKind[] = [
  stripUpgrade, hang, status, idleTimeout, maxLifetime, drain, maxMessage, dropClose, dropPong, blackhole,
  latency, bandwidth, resetAfter, slicer, stripHeader, setHeader, stripExtensions, corruptRsv1, noExtendedConnect,
];

/**
 * `kind`, `kind=value` or `kind:k=v,k=v` (value and params may combine: `kind=value,k=v`).
 * Unknown kinds and malformed specs are input errors (exit 2).
 */
export function parseFaultSpec(spec: string): Fault {
  // Spaces around are forgiven, control characters are not: `latency\n` is not `latency`.
  const m = /^([a-z0-9-]+)(?:([=:])(.*))?$/.exec(spec.replace(/^ +| +$/g, ''));
  if (!m) throw new InputError('ERR_BAD_FAULT', `bad fault spec "${spec}": expected kind, kind=value or kind:key=value,…`);
  const kind = FAULT_KINDS.find((k) => k.kind === m[1]);
  if (!kind) {
    throw new InputError('ERR_UNKNOWN_FAULT', `unknown fault "${m[1]}" in "${spec}": known faults are ${FAULT_KINDS.map((k) => k.kind).join(', ') || 'none'}`);
  }
  let value: string | undefined;
  const params: Record<string, string> = {};
  if (m[3] !== undefined) {
    const parts = m[3].split(',');
    if (m[2] === '=') value = parts.shift();
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InputError('ERR_BAD_FAULT', `bad fault spec "${spec}": "${p}" is not key=value`);
      params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
  }
  return kind.create(value, params, spec.trim());
}
