import { InputError } from '../../errors.js';
import { list, timeoutMs, typed, type GlobalArgs } from '../options.js';
import { createLogger } from '../logger.js';
import { parseName } from '../../net/header.js';
import { msSince } from '../../net/duration.js';
import { parseHost } from '../../net/listen.js';
import { reporterFor } from '../../report/output.js';
import { table, stamp } from '../../report/format.js';
import type { ChainStreamEvent } from '../../events.js';
import { serveUntilSignal } from '../serve.js';
import { startChain, loadTopology, topologyFromFlags, DEFAULT_NAME_PREFIX, MAX_HOPS } from '../../chain/index.js';
import { ARROW, describeFrame } from '../../proxy/frame-log.js';
import { controlFromArgs, type ControlArgs } from '../../control/address.js';
import { renderFaultChange } from './fault-events.js';

export interface ChainCommandArgs extends GlobalArgs, ControlArgs {
  file?: string;
  hops?: number;
  fault?: string[];
  'name-prefix': string;
  host: string;
  'trace-frames': boolean;
}

/** Default number of hops without a FILE: two, so a fault at hop 1 has a wstrace hop behind it to testify. */
const DEFAULT_HOPS = 2;

export async function runChainCommand(args: ChainCommandArgs): Promise<void> {
  if (args.file !== undefined && args.hops !== undefined) {
    throw new InputError('ERR_BAD_HOPS', `--hops and a topology FILE do not combine: "${args.file}" lists the hops`);
  }
  if (args['name-prefix']) parseName(args['name-prefix'], '--name-prefix');
  if (args.hops !== undefined && !(Number.isInteger(args.hops) && args.hops >= 1 && args.hops <= MAX_HOPS)) {
    throw new InputError('ERR_BAD_HOPS', `bad --hops ${JSON.stringify(typed('--hops', args.hops))}: use a whole number from 1 to ${MAX_HOPS}`);
  }
  const faults = list(args.fault);
  const topology = args.file !== undefined ? topologyFromFlags(0, faults, loadTopology(args.file)) : topologyFromFlags(args.hops ?? DEFAULT_HOPS, faults);
  const deadline = timeoutMs(args);
  const control = controlFromArgs(args);
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  const t0 = performance.now();
  const reporter = reporterFor(args.json, renderer());
  const chain = await startChain(topology, {
    host: parseHost(args.host),
    namePrefix: args['name-prefix'] || DEFAULT_NAME_PREFIX,
    timeoutMs: deadline,
    traceFrames: args['trace-frames'],
    onFrame: (ev) => reporter.emit({ ...ev, t: msSince(t0) }),
    onFaultChange: (change) => reporter.emit({ ...change, t: msSince(t0) }),
    ...(control.seed !== undefined ? { seed: control.seed } : {}),
    ...(control.api ? { api: control.api } : {}),
    logger,
  });
  // Signal handlers first: until a listener exists SIGINT kills node outright, and a caller that
  // reads the listening line may signal at once (on a loaded machine, before the next statement).
  const served = serveUntilSignal(chain, reporter);
  // `url` is the outermost layer, where clients connect: the same field every server's listening event has.
  reporter.emit({ event: 'listening', url: chain.layers[0]!.url, layers: chain.layers, ...(chain.api ? { api: chain.api } : {}), ...(topology.description ? { description: topology.description } : {}) });
  await served;
}

/** Human lines; hop names in frame lines are padded to the longest, so the columns align. */
function renderer(): (ev: ChainStreamEvent) => string[] | undefined {
  let nameWidth = 0;
  return (ev) => {
    if (ev.event === 'listening') {
      const layers = ev.layers;
      nameWidth = Math.max(...layers.map((l) => l.name.length));
      const rows = layers.map((l, i) => [l.name, l.url, i === layers.length - 1 ? '(echo endpoint)' : l.faults.join(', ') || '-']);
      const head = `chain listening on ${ev.url} (${layers.length - 1} hop(s) in front of the echo endpoint; stop: Ctrl-C)`;
      return [head, ...(ev.api ? [`  control API: ${ev.api}`] : []), ...(ev.description ? [`  ${ev.description}`] : []), ...table(['name', 'url', 'faults'], rows).map((l) => `  ${l}`)];
    }
    if (ev.event === 'frame') return [`${stamp(ev.t)} ${ev.hop.padEnd(nameWidth)} ${ARROW[ev.dir]}  ${describeFrame(ev)}`];
    if (ev.event === 'fault') return renderFaultChange(ev);
    return [`stopped (${ev.signal})`];
  };
}
