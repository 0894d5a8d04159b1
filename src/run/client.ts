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
import type { HttpMode } from '../client/options.js';

export interface ClientCommandArgs extends GlobalArgs, LoadArgs {
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
  http?: string;
  http2?: boolean;
}

/** RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2. */
const H2_FORBIDDEN = ['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding'];

export function httpModeOf(args: { http?: string; http2?: boolean }): HttpMode {
  if (args.http2 && args.http !== undefined && args.http !== '2') throw new InputError('ERR_BAD_HTTP', `--http2 and --http ${args.http} contradict each other`);
  const mode = args.http2 ? '2' : (args.http ?? '1.1');
  if (mode !== '1.1' && mode !== '2' && mode !== 'auto') throw new InputError('ERR_BAD_HTTP', `bad --http "${mode}": use 1.1, 2 or auto`);
  return mode;
}

export async function runClientCommand(args: ClientCommandArgs): Promise<void> {
  const target = parseWsUrl(args.url);
  if (isLoadMode(args)) return (await import('../load/command.js')).runLoadCommand(args);
  const count = args.count ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new InputError('ERR_BAD_COUNT', `bad --count "${count}": use a whole number ≥ 0`);
  const subprotocols = list(args.subprotocol);
  for (const p of subprotocols) if (!isToken(p)) throw new InputError('ERR_BAD_SUBPROTOCOL', `bad --subprotocol "${p}": must be an HTTP token`);
  const http = httpModeOf(args);
  const headers = headersFrom(args.header);
  const bad = http !== '1.1' && Object.keys(headers).find((k) => H2_FORBIDDEN.includes(k.toLowerCase()));
  if (bad) throw new InputError('ERR_BAD_HEADER', `bad --header "${bad}" with --http ${http}: connection-specific headers are not allowed in HTTP/2 (RFC 9113 §8.2.2)`);
  const result = await runClient(
    {
      target,
      timeoutMs: timeoutMs(args),
      message: args.message,
      count,
      intervalMs: parseDuration(args.interval, '--interval'),
      size: args.size === undefined ? undefined : parseBytes(args.size, '--size'),
      binary: args.binary,
      headers,
      http,
      subprotocols,
      origin: args.origin,
      inspect: args.inspect,
      deflate: args.deflate,
      insecure: args.insecure,
      ca: readFileArg(args.ca, '--ca'),
    },
    reporterFor(args.json, renderClientEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}
