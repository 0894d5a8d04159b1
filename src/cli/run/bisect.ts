import { InputError } from '../../errors.js';
import { isOneOf } from '../../guards.js';
import { list, timeoutMs, typed, type GlobalArgs } from '../options.js';
import { parseConnection, refuseMessageOptions, type ConnectionArgs } from '../connection-options.js';
import { parseCheckLimits, type CheckLimitArgs } from '../probe-limits.js';
import { reporterFor } from '../../report/output.js';
import { renderBisectEvent } from '../../report/bisect.js';
import { bisect, buildHops, STRATEGIES } from '../../bisect/index.js';

export interface BisectCommandArgs extends GlobalArgs, ConnectionArgs, CheckLimitArgs {
  check?: string[];
  urls?: string[];
  name?: string[];
  'hop-header'?: string[];
  at?: string[];
  strategy: string;
  repeat: number;
}

/** Largest --repeat: each probe is a full handshake + echo, and they run in sequence per hop. */
const MAX_REPEAT = 1000;

export async function runBisectCommand(args: BisectCommandArgs): Promise<void> {
  const strategy = args.strategy;
  if (!isOneOf(STRATEGIES, strategy)) {
    throw new InputError('ERR_BAD_STRATEGY', `bad --strategy "${args.strategy}": use ${STRATEGIES.join(' or ')}`);
  }
  const repeat = Number(args.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > MAX_REPEAT) {
    throw new InputError('ERR_BAD_REPEAT', `bad --repeat ${JSON.stringify(typed('--repeat', args.repeat))}: use a whole number from 1 to ${MAX_REPEAT}`);
  }
  if (repeat > 1 && strategy !== 'all') {
    throw new InputError('ERR_BAD_REPEAT', '--repeat needs --strategy all: binary search trusts one probe per URL');
  }
  const { headers, ...connection } = parseConnection(args);
  const checking = list(args.check).length > 0;
  // Probe's sessions take Origin as a header; per-hop headers still win over it.
  const shared = checking && connection.origin !== undefined ? { ...headers, Origin: connection.origin } : headers;
  const hops = buildHops({ urls: list(args.urls), names: list(args.name), headers: shared, hopHeaders: list(args['hop-header']), at: list(args.at) });
  if (checking) {
    if (strategy !== 'all' || repeat !== 1) throw new InputError('ERR_USAGE', '--check runs every check at every URL at once: it takes no --strategy binary or --repeat');
    refuseMessageOptions(args, 'bisect --check');
    const [{ selectChecks }, { bisectChecks }, { probeConnection }] = await Promise.all([
      import('../../probe/registry.js'), import('../../bisect/checks.js'), import('../../probe/run.js'),
    ]);
    const { subprotocols, tls, reach, redirects } = probeConnection({ ...connection, headers: {} });
    const result = await bisectChecks(
      { hops, checks: selectChecks(list(args.check), false), probe: { subprotocols, tls, reach, redirects, timeoutMs: timeoutMs(args), ...parseCheckLimits(args) } },
      reporterFor(args.json, renderBisectEvent),
    );
    process.exitCode = result.ok ? 0 : 1;
    return;
  }
  const result = await bisect(
    { hops, strategy, repeat, timeoutMs: timeoutMs(args), connection },
    reporterFor(args.json, renderBisectEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}
