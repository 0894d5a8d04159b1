// The chain library: other commands (bisect, probe) and integration tests start whole
// topologies with `startChain` and read fixtures with `loadTopology`.
export { startChain, type Chain, type ChainOptions } from './start.js';
export { loadTopology, parseTopology, topologyFromFlags } from './load.js';
export type { Topology, HopSpec, EndpointSpec, Expectation, ExpectedClient, Layer } from './topology.js';
export { DEFAULT_NAME_PREFIX, MAX_HOPS } from './topology.js';
