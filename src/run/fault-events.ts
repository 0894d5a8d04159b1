import { stamp } from '../report/format.js';
import type { Event } from '../report/reporter.js';
import type { FaultChange } from '../proxy/hop-faults.js';

/** How a change to a hop's faults reads in `proxy`'s and `chain`'s human output. */
export function renderFaultChange(ev: Event): string[] | undefined {
  if (ev.event !== 'fault') return undefined;
  const c = ev as unknown as FaultChange & { t: number };
  const reach = c.tunnels > 0 ? `; reached ${c.tunnels} open tunnel(s) at once` : c.fault && !c.fault.live ? '; new connections only' : '';
  const what =
    c.action === 'reset' ? `removed every fault (${c.removed?.join(', ') || 'none'})`
    : c.action === 'add' ? `added "${c.fault!.name}": ${c.fault!.spec}`
    : c.action === 'update' ? `updated "${c.fault!.name}": ${c.fault!.spec}`
    : `removed "${c.fault!.name}"`;
  return [`${stamp(c.t)} ${c.hop}: fault ${what}${reach}`];
}
