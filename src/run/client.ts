import { InputError } from '../errors.js';
import { timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseConnection, type ConnectionArgs } from '../connection-options.js';
import { parseDuration } from '../net/duration.js';
import { parseWsUrl } from '../net/url.js';
import { reporterFor } from '../report/output.js';
import { renderClientEvent } from '../report/client.js';
import { runClient } from '../client/run.js';
import { isLoadMode, type LoadArgs } from '../load/args.js';

export interface ClientCommandArgs extends GlobalArgs, LoadArgs, ConnectionArgs {
  url: string;
  /** Undefined = 1 here; in load mode, no message limit (see src/load/command.ts). */
  count?: number;
  interval: string;
  inspect: boolean;
}

export async function runClientCommand(args: ClientCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  if (isLoadMode(args)) return (await import('../load/command.js')).runLoadCommand(args);
  const count = args.count ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new InputError('ERR_BAD_COUNT', `bad --count "${count}": use a whole number ≥ 0`);
  const result = await runClient(
    { ...parseConnection(args), target, timeoutMs: timeoutMs(args), count, intervalMs: parseDuration(args.interval, '--interval'), inspect: args.inspect },
    reporterFor(args.json, renderClientEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}
