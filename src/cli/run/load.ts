import { InputError } from '../../errors.js';
import { timeoutMs, typed } from '../options.js';
import { parseConnection } from '../connection-options.js';
import { parseDuration } from '../../net/duration.js';
import { parseWsUrl } from '../../net/url.js';
import { reporterFor } from '../../report/output.js';
import { formatProgress, renderLoadEvent } from '../../report/load.js';
import { runLoad } from '../../load/run.js';
import { MAX_CONNECTIONS, MAX_PIPELINE } from '../../load/options.js';
import type { ClientCommandArgs } from './client-args.js';

/** The client options a load run shares with one-shot mode. */
/** The client command's arguments: load mode is the client with load options. */
type SharedArgs = ClientCommandArgs & { url: string };

function wholeNumber(value: number | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError('ERR_BAD_LOAD_OPTION', `bad --${name} ${JSON.stringify(typed(`--${name}`, value))}: use a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `wstrace client URL --concurrency C …`: validate at the edge, run, print, set the exit code. */
export async function runLoadCommand(args: SharedArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  const connections = wholeNumber(args.concurrency, 'concurrency', 1, MAX_CONNECTIONS) ?? 1;
  const pipeline = wholeNumber(args.pipeline, 'pipeline', 1, MAX_PIPELINE);
  const count = wholeNumber(args.count, 'count', 0, Number.MAX_SAFE_INTEGER);
  if (args.rate !== undefined && !(Number.isFinite(args.rate) && args.rate > 0 && args.rate <= 10_000_000)) {
    throw new InputError('ERR_BAD_LOAD_OPTION', `bad --rate ${JSON.stringify(typed('--rate', args.rate))}: use messages per second over all connections, more than 0`);
  }
  const durationMs = args.duration === undefined ? undefined : parseDuration(args.duration, '--duration');
  if (durationMs === 0) throw new InputError('ERR_BAD_DURATION', `bad --duration "${args.duration}": must be more than 0`);
  if (args.inspect) throw new InputError('ERR_BAD_LOAD_OPTION', '--inspect is for one connection: drop --concurrency/--rate/--duration/--pipeline to use it');
  if (args.interval !== undefined && parseDuration(args.interval, '--interval') > 0) {
    throw new InputError('ERR_BAD_LOAD_OPTION', '--interval paces one connection: in load mode use --rate (messages per second over all connections)');
  }
  if (args.expect !== undefined && args.expect !== 'echo') {
    throw new InputError('ERR_BAD_LOAD_OPTION', `--expect ${args.expect} is for one connection: load mode measures echo round trips`);
  }
  const connection = parseConnection(args);

  // Ctrl-C ends the run early but still drains, closes and prints the summary; a second one kills.
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  const progress = process.stderr.isTTY ? (p: Parameters<typeof formatProgress>[0]) => void process.stderr.write(formatProgress(p) + '\n') : undefined;
  try {
    const result = await runLoad(
      {
        client: { ...connection, target, timeoutMs: timeoutMs(args) },
        connections,
        count,
        durationMs,
        size: connection.size,
        message: connection.message,
        binary: connection.binary,
        pipeline,
        rate: args.rate,
        signal: stop.signal,
        ...(progress ? { onProgress: progress } : {}),
      },
      reporterFor(args.json, renderLoadEvent),
    );
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
