import { InputError } from '../errors.js';
import { list, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseConnection, type ConnectionArgs } from '../connection-options.js';
import { parseDuration } from '../net/duration.js';
import { parseBytes } from '../net/size.js';
import { parseWsUrl } from '../net/url.js';
import { reporterFor, transientProgress } from '../report/output.js';
import { renderProbeEvent, renderProbeProgress } from '../report/probe.js';
import { selectChecks } from '../probe/registry.js';
import { probeConnection, runProbe } from '../probe/run.js';

export interface ProbeCommandArgs extends GlobalArgs, ConnectionArgs {
  url: string;
  check?: string[];
  all: boolean;
  'max-wait': string;
  keepalive?: string;
  'max-size': string;
}

/** The bound is "at least every 2 s"; a second leaves room for a busy event loop. */
const PROGRESS_MS = 1_000;

/** Buffers this large are already unwieldy; a probe does not need more to find a cap. */
const MAX_SIZE_LIMIT = 256 * 1024 * 1024;

export async function runProbeCommand(args: ProbeCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  const checks = selectChecks(list(args.check), args.all);
  const timeout = timeoutMs(args);
  const maxWaitMs = positive(args['max-wait'], '--max-wait');
  const keepaliveMs = args.keepalive === undefined ? undefined : positive(args.keepalive, '--keepalive');
  const maxSize = parseBytes(args['max-size'], '--max-size');
  if (maxSize < 1 || maxSize > MAX_SIZE_LIMIT) {
    throw new InputError('ERR_BAD_SIZE', `bad --max-size "${args['max-size']}": use 1 byte to 256M`);
  }
  const connection = parseConnection(args);
  // probe sends its own messages (each check its own) and knows what each should get back.
  const unused = (['message', 'size', 'expect'] as const).filter((k) => args[k] !== undefined);
  if (args.binary) unused.push('binary' as never);
  if (parseDuration(args.wait ?? '0s', '--wait') > 0) unused.push('wait' as never);
  if (unused.length) {
    throw new InputError('ERR_USAGE', `--${unused[0]} is for client and bisect: probe's checks send their own messages and know what each must get back`);
  }

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
    { target, checks, timeoutMs: timeout, maxWaitMs, keepaliveMs, maxSize, ...probeConnection(connection), ...(tty ? { progressMs: PROGRESS_MS } : {}) },
    reporter,
  );
  process.exitCode = result.ok ? 0 : 1;
}

function positive(text: string, what: string): number {
  const ms = parseDuration(text, what);
  if (ms <= 0) throw new InputError('ERR_BAD_DURATION', `bad ${what} "${text}": must be more than 0`);
  return ms;
}
