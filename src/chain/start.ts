import { DEFAULT_ECHO_NAME, DEFAULT_HOST } from '../constants.js';
import { InputError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { parseBytes } from '../net/size.js';
import { parseName } from '../net/header.js';
import { parseWsUrl, formatHostPort } from '../net/url.js';
import { startEcho, type EchoEndpoint } from '../endpoint/server.js';
import { startProxy, type TestProxy } from '../proxy/server.js';
import { warmProxy } from '../proxy/warmup.js';
import { logWarmUp } from '../endpoint/warmup.js';
import { parseFaultSpec } from '../proxy/faults/index.js';
import type { Fault } from '../proxy/faults/fault.js';
import type { FrameEvent } from '../proxy/frame-log.js';
import type { FaultChange } from '../proxy/hop-faults.js';
import { localHop } from '../control/local.js';
import { startControlApi } from '../control/api-server.js';
import type { HopHandle } from '../control/types.js';
import { DEFAULT_NAME_PREFIX, type Layer, type Topology } from './topology.js';

export interface ChainOptions {
  /** Address every layer listens on; default 127.0.0.1. */
  host?: string;
  /** Names for hops without one: `<prefix>1`, `<prefix>2`…; default `hop-`. */
  namePrefix?: string;
  /** Each hop's upstream-answer deadline and the endpoint's close deadline, ms. */
  timeoutMs?: number;
  /** Log every frame at every hop (`--trace-frames`). */
  traceFrames?: boolean;
  /** Called for every frame a hop sees when traceFrames is on. */
  onFrame?: (ev: FrameEvent) => void;
  /** Seed for the hops' toxicity draws (hop i, from 1, uses seed + i): the same run twice. */
  seed?: number;
  /** Serve the control API (docs/api-faults.md) on this address; port 0 picks one. Off by default. */
  api?: { host?: string; port?: number };
  /** Every change to any hop's faults. */
  onFaultChange?: (change: FaultChange) => void;
  logger?: Logger;
}

export interface Chain {
  /** Outermost hop first, the echo endpoint last. */
  layers: Layer[];
  /** Control a hop's faults while traffic flows; throws InputError for a name not in the chain. */
  hop(name: string): HopHandle;
  /** The control API's URL (`http://127.0.0.1:PORT`) when `api` was asked for. */
  api?: string;
  /** Stops every layer (outermost first, so nothing new flows inward). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the echo endpoint and one wstrace proxy per hop, each targeting the next, in this
 * process. Every fault spec is parsed before anything listens, so a bad spec throws InputError
 * and leaves nothing open; a failure while starting closes what already started.
 *
 *   const chain = await startChain({ hops: [{ faults: ['strip-upgrade'] }, {}] });
 *   chain.layers[0].url;  // ws://127.0.0.1:PORT/echo — the outermost hop
 *   await chain.close();
 */
export async function startChain(topology: Topology, opts: ChainOptions = {}): Promise<Chain> {
  const host = opts.host ?? DEFAULT_HOST;
  const log = opts.logger ?? silentLogger;
  const prefix = opts.namePrefix ?? DEFAULT_NAME_PREFIX;
  if (topology.hops.length === 0) throw new InputError('ERR_BAD_TOPOLOGY', 'a chain needs at least one hop');
  // Checked before anything listens: a bad name must not leave half a chain running.
  const names = topology.hops.map((h, i) => parseName(h.name ?? `${prefix}${i + 1}`, h.name === undefined ? '--name-prefix' : `hop ${i + 1} name`));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new InputError('ERR_BAD_TOPOLOGY', `two hops are named "${dup}": Via would call that a loop`);
  const faults: Fault[][] = topology.hops.map((h, i) =>
    (h.faults ?? []).map((spec) => {
      try {
        return parseFaultSpec(spec);
      } catch (e) {
        if (e instanceof InputError) throw new InputError(e.code, `hop ${i + 1} ("${names[i]}"): ${e.message}`);
        throw e;
      }
    }),
  );
  const ep = topology.endpoint ?? {};
  const endpointName = ep.name ?? DEFAULT_ECHO_NAME;

  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    // Outermost first: a hop stopping first cannot forward new work to a layer that is going away.
    const all = started.splice(0).reverse();
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  };
  try {
    // The hops and the echo run warm code from the first client on (see proxy/warmup.ts).
    logWarmUp(log, await warmProxy());
    const echo: EchoEndpoint = await startEcho({
      host,
      port: 0,
      name: endpointName,
      subprotocols: ep.subprotocols ?? [],
      ...(ep.maxPayload !== undefined ? { maxPayload: parseBytes(ep.maxPayload, 'endpoint.maxPayload') } : {}),
      ...(opts.timeoutMs !== undefined ? { closeTimeoutMs: opts.timeoutMs } : {}),
      logger: log.child({ layer: endpointName }),
    });
    started.push(echo);
    const path = new URL(echo.url).pathname;
    const layers: Layer[] = [{ name: endpointName, url: echo.url, faults: [] }];
    const handles: HopHandle[] = [];
    let target = parseWsUrl(`ws://${formatHostPort(host, echo.port)}`);
    // Innermost hop first: each one needs the address of the layer behind it.
    for (let i = topology.hops.length - 1; i >= 0; i--) {
      const proxy: TestProxy = await startProxy({
        targets: [target],
        host,
        port: 0,
        name: names[i]!,
        faults: faults[i]!,
        upstreamHttp: topology.hops[i]!.upstreamHttp ?? '1.1',
        traceFrames: opts.traceFrames ?? false,
        ...(opts.onFrame ? { onFrame: opts.onFrame } : {}),
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed + i + 1 } : {}),
        ...(opts.onFaultChange ? { onFaultChange: opts.onFaultChange } : {}),
        logger: log.child({ layer: names[i]! }),
      });
      started.push(proxy);
      handles.unshift(localHop(proxy.name, `${proxy.url}${path}`, proxy.faults));
      layers.unshift({ name: proxy.name, url: `${proxy.url}${path}`, faults: faults[i]!.map((f) => f.spec) });
      target = parseWsUrl(proxy.url);
    }
    const api = opts.api
      ? await startControlApi({ hops: handles, host: opts.api.host ?? host, port: opts.api.port ?? 0, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}), logger: log.child({ layer: 'api' }) })
      : undefined;
    if (api) started.push(api);
    const hop = (name: string): HopHandle => {
      const h = handles.find((x) => x.name === name);
      if (!h) throw new InputError('ERR_UNKNOWN_HOP', `unknown hop "${name}": the chain has ${handles.map((x) => x.name).join(', ')}`);
      return h;
    };
    let closing: Promise<void> | undefined;
    return { layers, hop, ...(api ? { api: api.url } : {}), close: () => (closing ??= closeAll()) };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
