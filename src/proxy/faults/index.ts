// Importing this module registers every fault kind.
export { parseFaultSpec, FAULT_KINDS, FAULT_TRAITS, traitsOf, faultAttrsTable, faultKindsTable, faultHelp, type FaultTraits, type AttrOverrides } from './registry.js';
export type { Fault, FaultAttrs, Stream } from './fault.js';
