// The library, as `import … from 'wstrace'`: start layers in-process and drive their faults.
// Everything here is typed (dist/src/index.d.ts); the CLI is built on the same calls.
export { startChain, loadTopology, parseTopology, type Chain, type ChainOptions, type Topology, type HopSpec, type EndpointSpec, type Layer } from './chain/index.js';
export { startProxy, type ProxyOptions, type TestProxy } from './proxy/server.js';
export { startEcho, type EchoEndpoint } from './endpoint/server.js';
export { parseFaultSpec, FAULT_KINDS, type Fault, type FaultAttrs, type Stream } from './proxy/faults/index.js';
export { FaultApiClient, FaultApiError } from './control/api-client.js';
export { startControlApi, type ControlApi, type ControlApiOptions } from './control/api-server.js';
export type { HopHandle, HopInfo, FaultInfo, FaultOptions, FaultUpdate, FaultChange, HopCounters } from './control/types.js';
export { InputError, WstraceError } from './errors.js';
export { runClient, type ClientResult } from './client/run.js';
export type { ClientOptions } from './client/options.js';
export { bisect } from './bisect/index.js';
export { buildHops } from './bisect/hops.js';
export type { BisectOptions, BisectResult } from './bisect/types.js';
export { parseWsUrl, type WsTarget } from './net/url.js';
export { memoryReporter, type Reporter, type WstraceEvent } from './events.js';
export { VERDICT_CODES, type Verdict, type VerdictCode } from './diagnose/catalogue.js';
