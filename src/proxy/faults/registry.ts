import { InputError } from '../../errors.js';
import type { Fault, FaultKind } from './fault.js';

/** Every fault kind by name. Each lives in its own file next to this one. */
export const FAULT_KINDS: FaultKind[] = [];

/**
 * `kind`, `kind=value` or `kind:k=v,k=v` (value and params may combine: `kind=value,k=v`).
 * Unknown kinds and malformed specs are input errors (exit 2).
 */
export function parseFaultSpec(spec: string): Fault {
  const m = /^([a-z0-9-]+)(?:([=:])(.*))?$/.exec(spec.trim());
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
  return kind.create(value, params, spec);
}
