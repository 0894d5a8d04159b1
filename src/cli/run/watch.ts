import { InputError } from '../../errors.js';
import { isOneOf } from '../../guards.js';
import { list, timeoutMs, type GlobalArgs } from '../options.js';
import { parseConnection, type ConnectionArgs } from '../connection-options.js';
import { parseDuration } from '../../net/duration.js';
import { parseWsUrl } from '../../net/url.js';
import { humanReporter, jsonReporter } from '../../report/reporter.js';
import { withStopLine } from '../../report/output.js';
import { terminalWriter } from '../../report/terminal.js';
import { renderWatchEvent, StatusLine, statusText } from '../../report/watch.js';
import { parseFailOn } from '../../watch/fail-on.js';
import { PATTERNS, type Pattern } from '../../watch/patterns.js';
import { runWatch } from '../../watch/run.js';
import type { WatchMetrics } from '../../watch/metrics.js';

export interface WatchCommandArgs extends GlobalArgs, ConnectionArgs {
  url: string;
  pattern?: string[];
  'per-pattern': number;
  interval: string;
  every: string;
  for?: string;
  summary: string;
  'fail-on'?: string[];
  metrics?: string;
}

/** Past this, "several held connections" has become a load test: use `client --concurrency`. */
const MAX_PER_PATTERN = 10;

export async function runWatchCommand(args: WatchCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  const patterns: Pattern[] = [];
  for (const p of new Set(list(args.pattern))) {
    if (!isOneOf(PATTERNS, p)) throw new InputError('ERR_BAD_PATTERN', `bad --pattern "${p}": use ${PATTERNS.join(', ')}`);
    patterns.push(p);
  }
  const perPattern = args['per-pattern'];
  if (!Number.isInteger(perPattern) || perPattern < 1 || perPattern > MAX_PER_PATTERN) {
    throw new InputError('ERR_BAD_COUNT', `bad --per-pattern "${String(perPattern)}": use 1 to ${MAX_PER_PATTERN}`);
  }
  const intervalMs = positive(args.interval, '--interval');
  const everyMs = positive(args.every, '--every');
  const forMs = args.for === undefined ? undefined : positive(args.for, '--for');
  const summaryMs = positive(args.summary, '--summary');
  const failOn = list(args['fail-on']).map(parseFailOn);
  const metricsAt = args.metrics === undefined ? undefined : parseHostPort(args.metrics);
  const connection = parseConnection(args);
  // watch compares nothing: its patterns prove liveness by pings and record drops.
  if (args.expect !== undefined) throw new InputError('ERR_USAGE', '--expect is for client and bisect: watch compares no replies (its ping pattern proves liveness)');
  if (connection.http !== '1.1') throw new InputError('ERR_USAGE', `--http ${connection.http}: watch holds its connections over HTTP/1.1 only; use client or bisect with --http 2 for WebSockets over HTTP/2`);
  if (connection.waitMs > 0) throw new InputError('ERR_USAGE', '--wait is for client and bisect: watch holds its connections until --for');
  if (connection.redirects > 0) throw new InputError('ERR_USAGE', '--location is for client, bisect and probe: watch holds one URL (give it the final one)');
  const timeout = timeoutMs(args);

  let metrics: WatchMetrics | undefined;
  if (metricsAt) {
    const { WatchMetrics } = await import('../../watch/metrics.js');
    metrics = new WatchMetrics();
  }
  const tty = !args.json && process.stdout.isTTY === true;
  const write = terminalWriter();
  const status = tty ? new StatusLine(write) : undefined;
  const reporter = args.json ? jsonReporter() : humanReporter(withStopLine(renderWatchEvent), status?.write ?? write);
  if (metrics && metricsAt) reporter.emit({ event: 'metrics', url: await metrics.serve(metricsAt.host, metricsAt.port) });

  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stoppedBy = signal;
    abort.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runWatch(
      {
        target, patterns: patterns.length ? patterns : [...PATTERNS], perPattern, intervalMs, everyMs, forMs, summaryMs, timeoutMs: timeout,
        connection,
      },
      reporter,
      {
        failOn, metrics, signal: abort.signal,
        status: status && (({ t, open, held, stats }) => {
          const { p50, p99 } = stats.latency();
          const total = stats.total();
          status.update(statusText({ t, open, held, drops: total.drops, byCause: total.byCause, p50, p99, failed: total.handshakes.failed }));
        }),
      },
    );
    process.exitCode = result.ok ? 0 : 1;
    if (stoppedBy) reporter.emit({ event: 'stopped', signal: stoppedBy });
  } finally {
    status?.clear();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await metrics?.close();
  }
}

function positive(text: string, what: string): number {
  const ms = parseDuration(text, what);
  if (ms <= 0) throw new InputError('ERR_BAD_DURATION', `bad ${what} "${text}": must be more than 0`);
  return ms;
}

/** `127.0.0.1:9464`, `[::1]:9464` (port 0 picks a free one). */
function parseHostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new InputError('ERR_BAD_METRICS', `bad --metrics "${text}": use HOST:PORT, e.g. 127.0.0.1:9464`);
  return { host: m[1] ?? m[2]!, port };
}
