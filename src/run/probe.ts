import { list, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseConnection, refuseMessageOptions, type ConnectionArgs } from '../connection-options.js';
import { parseCheckLimits, type CheckLimitArgs } from '../probe/limits.js';
import { parseWsUrl } from '../net/url.js';
import { reporterFor, transientProgress } from '../report/output.js';
import { renderProbeEvent, renderProbeProgress } from '../report/probe.js';
import { selectChecks } from '../probe/registry.js';
import { probeConnection, runProbe } from '../probe/run.js';

export interface ProbeCommandArgs extends GlobalArgs, ConnectionArgs, CheckLimitArgs {
  url: string;
  check?: string[];
  all: boolean;
}

/** The bound is "at least every 2 s"; a second leaves room for a busy event loop. */
const PROGRESS_MS = 1_000;

export async function runProbeCommand(args: ProbeCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  const checks = selectChecks(list(args.check), args.all);
  const timeout = timeoutMs(args);
  const limits = parseCheckLimits(args);
  const connection = parseConnection(args);
  refuseMessageOptions(args, 'probe');

  // Long checks are silent until they end: on a terminal, show what is still running every second.
  const tty = !args.json && process.stdout.isTTY === true;
  const reporter = tty ? transientProgress(reporterFor(false, renderProbeEvent), renderProbeProgress) : reporterFor(args.json, renderProbeEvent);
  // The header is for people watching long checks; NDJSON stays `check`… then `result`.
  if (!args.json) {
    reporter.emit({
      event: 'probe', url: target.url.href, checks: checks.length, long: checks.filter((c) => c.long).length,
      timeout: args.timeout, maxWait: args['max-wait'],
    });
  }
  const result = await runProbe(
    { target, checks, timeoutMs: timeout, ...limits, ...probeConnection(connection), ...(tty ? { progressMs: PROGRESS_MS } : {}) },
    reporter,
  );
  process.exitCode = result.ok ? 0 : 1;
}
