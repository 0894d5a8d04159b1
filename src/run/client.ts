import { InputError } from '../errors.js';
import { headersFrom, list, readFileArg, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parseDuration } from '../net/duration.js';
import { parseBytes } from '../net/size.js';
import { parseWsUrl } from '../net/url.js';
import { isToken } from '../net/header.js';
import { reporterFor } from '../report/output.js';
import { renderClientEvent } from '../report/client.js';
import { runClient } from '../client/run.js';
import { isLoadMode, type LoadArgs } from '../load/args.js';
import { reachFromArgs, redirectsFrom, type ReachArgs } from '../cli-reach.js';

export interface ClientCommandArgs extends GlobalArgs, LoadArgs, ReachArgs {
  url: string;
  message?: string;
  /** Undefined = 1 here; in load mode, no message limit (see src/load/command.ts). */
  count?: number;
  interval: string;
  size?: string;
  binary: boolean;
  header?: string[];
  subprotocol?: string[];
  origin?: string;
  inspect: boolean;
  deflate: boolean;
  insecure: boolean;
  ca?: string;
}

export async function runClientCommand(args: ClientCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  if (isLoadMode(args)) return (await import('../load/command.js')).runLoadCommand(args);
  const count = args.count ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new InputError('ERR_BAD_COUNT', `bad --count "${count}": use a whole number ≥ 0`);
  const subprotocols = list(args.subprotocol);
  for (const p of subprotocols) if (!isToken(p)) throw new InputError('ERR_BAD_SUBPROTOCOL', `bad --subprotocol "${p}": must be an HTTP token`);
  const result = await runClient(
    {
      target,
      timeoutMs: timeoutMs(args),
      message: args.message,
      count,
      intervalMs: parseDuration(args.interval, '--interval'),
      size: args.size === undefined ? undefined : parseBytes(args.size, '--size'),
      binary: args.binary,
      headers: headersFrom(args.header),
      subprotocols,
      origin: args.origin,
      inspect: args.inspect,
      deflate: args.deflate,
      insecure: args.insecure,
      ca: readFileArg(args.ca, '--ca'),
      reach: reachFromArgs(args),
      redirects: redirectsFrom(args),
    },
    reporterFor(args.json, renderClientEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}
