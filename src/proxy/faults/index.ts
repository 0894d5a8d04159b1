// Importing this module registers every fault kind.
export { parseFaultSpec, FAULT_KINDS } from './registry.js';
