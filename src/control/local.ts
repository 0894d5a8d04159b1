import type { HopFaults } from '../proxy/hop-faults.js';
import type { HopHandle, HopInfo } from './types.js';

/** A hop of this process as a HopHandle: what `chain.hop(name)` returns and the API server serves. */
export function localHop(name: string, url: string, faults: HopFaults): HopHandle {
  const info = (): HopInfo => ({ name, url, faults: faults.list(), counters: faults.counters() });
  // Async like the HTTP client, so code written against one runs against the other.
  const run = <T>(fn: () => T): Promise<T> => new Promise((resolve) => resolve(fn()));
  return {
    name,
    info: () => run(info),
    faults: () => run(() => faults.list()),
    addFault: (spec, opts) => run(() => faults.add(spec, opts)),
    updateFault: (fault, { spec, ...opts }) => run(() => faults.update(fault, spec, opts)),
    removeFault: (fault) => run(() => faults.remove(fault)),
    reset: () => run(() => faults.reset()),
    counters: () => run(() => faults.counters()),
  };
}
