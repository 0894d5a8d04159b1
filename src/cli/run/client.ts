import { InputError } from '../../errors.js';
import { refuseEmpty, timeoutMs, typed } from '../options.js';
import { parseConnection } from '../connection-options.js';
import { parseDuration } from '../../net/duration.js';
import { parseWsUrl } from '../../net/url.js';
import { reporterFor } from '../../report/output.js';
import { renderClientEvent } from '../../report/client.js';
import { runClient } from '../../client/run.js';
import { isLoadMode } from '../../load/args.js';
import type { ClientCommandArgs } from './client-args.js';

export type { ClientCommandArgs };


export async function runClientCommand(args: ClientCommandArgs): Promise<void> {
  const url = urlOf(args);
  const target = parseWsUrl(url);
  if (isLoadMode(args)) return (await import('./load.js')).runLoadCommand({ ...args, url });
  const { dataModeOf, runSessionCommand } = await import('./session.js');
  const mode = dataModeOf(args);
  if (mode) {
    return runSessionCommand(args, mode, { ...parseConnection(args), target, timeoutMs: timeoutMs(args), showSecrets: args['show-secrets'] });
  }
  refuseEmpty('--count', 'use a whole number ≥ 0');
  const count = args.count ?? 1;
  if (!Number.isInteger(count) || count < 0) throw new InputError('ERR_BAD_COUNT', `bad --count ${JSON.stringify(typed('--count', count))}: use a whole number ≥ 0`);
  const result = await runClient(
    {
      ...parseConnection(args), target, timeoutMs: timeoutMs(args), count, intervalMs: parseDuration(args.interval, '--interval'), inspect: args.inspect,
      showSecrets: args['show-secrets'],
    },
    reporterFor(args.json, args.quiet ? quiet : renderClientEvent),
  );
  process.exitCode = result.ok ? 0 : 1;
}

/** `client URL` or `client -c URL`, not both, not neither. */
function urlOf(args: ClientCommandArgs): string {
  if (args.url !== undefined && args.connect !== undefined) {
    throw new InputError('ERR_USAGE', `two URLs: "${args.url}" and -c "${args.connect}": give one`);
  }
  const url = args.url ?? args.connect;
  if (url === undefined) throw new InputError('ERR_USAGE', 'name the URL: wstrace client ws://HOST:PORT/PATH (or -c URL)');
  return url;
}

/** -q on the diagnosis: only the result line (or the verdict). */
function quiet(ev: Parameters<typeof renderClientEvent>[0]): string[] | undefined {
  return ev.event === 'result' ? renderClientEvent(ev) : undefined;
}
