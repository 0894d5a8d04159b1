import { InputError } from '../../errors.js';
import { list, timeoutMs, refuseEmpty, type GlobalArgs } from '../options.js';
import { parseConnection, refuseMessageOptions, type ConnectionArgs } from '../connection-options.js';
import { parseCheckLimits, type CheckLimitArgs } from '../probe-limits.js';
import { parseWsUrl } from '../../net/url.js';
import { reporterFor, transientProgress } from '../../report/output.js';
import { renderProbeEvent, renderProbeProgress } from '../../report/probe.js';
import { selectChecks } from '../../probe/registry.js';
import { probeConnection, runProbe } from '../../probe/run.js';
import { warmProbe } from '../../probe/warmup.js';
import { runH2Probe } from '../../probe/h2.js';
import { selectH2Checks } from '../../probe/h2-checks.js';

export interface ProbeCommandArgs extends GlobalArgs, ConnectionArgs, CheckLimitArgs {
  url?: string;
  check?: string[];
  all: boolean;
}

/** The bound is "at least every 2 s"; a second leaves room for a busy event loop. */
const PROGRESS_MS = 1_000;

export async function runProbeCommand(args: ProbeCommandArgs): Promise<void> {
  if (args.url === undefined) throw new InputError('ERR_USAGE', 'probe needs a URL: wstrace probe ws://host:port/path (wstrace probe --list shows the checks)');
  const target = parseWsUrl(args.url);
  refuseEmpty('--check', 'name a check');
  const h2 = args.http2 === true || args.http === '2';
  const checks = h2 ? [] : selectChecks(list(args.check), args.all);
  const h2Checks = h2 ? selectH2Checks(list(args.check)) : [];
  const timeout = timeoutMs(args);
  const limits = parseCheckLimits(args);
  const connection = parseConnection(args);
  if (connection.http === 'auto') throw new InputError('ERR_USAGE', '--http auto: probe checks one version at a time: --http 1.1 (the default) or --http 2');
  refuseMessageOptions(args, 'probe');

  // Long checks are silent until they end: on a terminal, show what is still running every second.
  const tty = !args.json && process.stdout.isTTY === true;
  const reporter = tty ? transientProgress(reporterFor(false, renderProbeEvent), renderProbeProgress) : reporterFor(args.json, renderProbeEvent);
  // The header is for people watching long checks; NDJSON stays `check`… then `result`.
  if (!args.json && !h2) {
    reporter.emit({
      event: 'probe', url: target.url.href, checks: checks.length, long: checks.filter((c) => c.long).length,
      timeout: args.timeout, maxWait: args['max-wait'],
    });
  }
  if (h2) {
    if (!args.json) reporter.emit({ event: 'probe', url: target.url.href, checks: h2Checks.length, long: 0, timeout: args.timeout, maxWait: args['max-wait'] });
    const r = await runH2Probe({ target, timeoutMs: timeout, ...limits, ...probeConnection(connection) }, h2Checks, reporter);
    process.exitCode = r.ok ? 0 : 1;
    return;
  }
  // Cold, probe's figures are its own code's (probe/warmup.ts): warm it before the first check.
  await warmProbe();
  const result = await runProbe(
    { target, checks, timeoutMs: timeout, ...limits, ...probeConnection(connection), ...(tty ? { progressMs: PROGRESS_MS } : {}) },
    reporter,
  );
  process.exitCode = result.ok ? 0 : 1;
}
