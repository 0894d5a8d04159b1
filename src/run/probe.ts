import { list, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseConnection, refuseMessageOptions, type ConnectionArgs } from '../connection-options.js';
import { parseWsUrl } from '../net/url.js';
import { reporterFor } from '../report/output.js';
import { renderProbeEvent } from '../report/probe.js';
import { parseCheckLimits, type CheckLimitArgs } from '../probe/limits.js';
import { selectChecks } from '../probe/registry.js';
import { probeConnection, runProbe } from '../probe/run.js';

export interface ProbeCommandArgs extends GlobalArgs, ConnectionArgs, CheckLimitArgs {
  url: string;
  check?: string[];
  all: boolean;
}

export async function runProbeCommand(args: ProbeCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  const checks = selectChecks(list(args.check), args.all);
  const timeout = timeoutMs(args);
  const limits = parseCheckLimits(args);
  const connection = parseConnection(args);
  refuseMessageOptions(args, 'probe');

  const reporter = reporterFor(args.json, renderProbeEvent);
  // The header is for people watching long checks; NDJSON stays `check`… then `result`.
  if (!args.json) {
    reporter.emit({
      event: 'probe', url: target.url.href, checks: checks.length, long: checks.filter((c) => c.long).length,
      timeout: args.timeout, maxWait: args['max-wait'],
    });
  }
  const result = await runProbe({ target, checks, timeoutMs: timeout, ...limits, ...probeConnection(connection) }, reporter);
  process.exitCode = result.ok ? 0 : 1;
}
