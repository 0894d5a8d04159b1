import { stamp } from '../../report/format.js';
import type { FaultChangeEvent } from '../../events.js';

/** How a change to a hop's faults reads in `proxy`'s and `chain`'s human output. */
export function renderFaultChange(c: FaultChangeEvent): string[] {
  const reach = c.tunnels > 0 ? `; reached ${c.tunnels} open tunnel(s) at once` : c.fault && !c.fault.live ? '; new connections only' : '';
  const what =
    c.action === 'reset' ? `removed every fault (${c.removed?.join(', ') || 'none'})`
    : c.action === 'add' ? `added "${c.fault!.name}": ${c.fault!.spec}`
    : c.action === 'update' ? `updated "${c.fault!.name}": ${c.fault!.spec}`
    : `removed "${c.fault!.name}"`;
  return [`${stamp(c.t)} ${c.hop}: fault ${what}${reach}`];
}
