import { InputError } from '../errors.js';
import { list, readFileArg, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { reporterFor } from '../report/output.js';
import { renderBisectEvent } from '../report/bisect.js';
import { bisect, buildHops, STRATEGIES, type Strategy } from '../bisect/index.js';
import { reachFromArgs, redirectsFrom, type ReachArgs } from '../cli-reach.js';

export interface BisectCommandArgs extends GlobalArgs, ReachArgs {
  urls?: string[];
  name?: string[];
  header?: string[];
  'hop-header'?: string[];
  strategy: string;
  message?: string;
  repeat: number;
  insecure: boolean;
  ca?: string;
}

/** Largest --repeat: each probe is a full handshake + echo, and they run in sequence per hop. */
const MAX_REPEAT = 1000;

export async function runBisectCommand(args: BisectCommandArgs): Promise<void> {
  const strategy = args.strategy as Strategy;
  if (!STRATEGIES.includes(strategy)) {
    throw new InputError('ERR_BAD_STRATEGY', `bad --strategy "${args.strategy}": use ${STRATEGIES.join(' or ')}`);
  }
  const repeat = Number(args.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
    throw new InputError('ERR_BAD_REPEAT', `bad --repeat "${String(args.repeat)}": use a whole number from 1 to ${MAX_REPEAT}`);
  }
  if (repeat > 1 && strategy !== 'all') {
    throw new InputError('ERR_BAD_REPEAT', '--repeat needs --strategy all: binary search trusts one probe per URL');
  }
  const hops = buildHops({ urls: list(args.urls), names: list(args.name), headers: list(args.header), hopHeaders: list(args['hop-header']) });
  const result = await bisect(
    { hops, strategy, repeat, timeoutMs: timeoutMs(args), message: args.message, insecure: args.insecure, ca: readFileArg(args.ca, '--ca'),
      reach: reachFromArgs(args), redirects: redirectsFrom(args) },
    reporterFor(args.json, renderBisectEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}
