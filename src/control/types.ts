import type { FaultInfo, HopCounters, FaultOptions } from '../proxy/hop-faults.js';

export type { FaultInfo, HopCounters, FaultOptions, FaultChange } from '../proxy/hop-faults.js';

/** One hop as the control API reports it. */
export interface HopInfo {
  name: string;
  /** Where clients connect to this hop. */
  url: string;
  faults: FaultInfo[];
  counters: HopCounters;
}

/** A change to a fault: a new spec, other attributes, or both. */
export type FaultUpdate = { spec?: string } & FaultOptions;

/**
 * One hop's faults, controlled in-process (`chain.hop(name)`) or over HTTP
 * (`new FaultApiClient(url).hop(name)`): the same calls, the same typed results. Bad input
 * rejects with an error whose message is one line naming what was wrong.
 */
export interface HopHandle {
  readonly name: string;
  info(): Promise<HopInfo>;
  faults(): Promise<FaultInfo[]>;
  /** `spec` as for `--fault`; `opts` set name, stream and toxicity (they win over the spec's). */
  addFault(spec: string, opts?: FaultOptions): Promise<FaultInfo>;
  updateFault(name: string, change: FaultUpdate): Promise<FaultInfo>;
  removeFault(name: string): Promise<FaultInfo>;
  /** Removes every fault of this hop; resolves with their names. */
  reset(): Promise<string[]>;
  counters(): Promise<HopCounters>;
}
