/**
 * The options that bound probe's checks, shared by `probe` and `bisect --check` (one definition,
 * like src/cli/connection-options.ts). Light: command modules import the spec.
 */
import type { Options } from 'yargs';
import { InputError } from '../errors.js';
import { parseDuration } from '../net/duration.js';
import { parseBytes } from '../net/size.js';

/** Buffers this large are already unwieldy; a probe does not need more to find a cap. */
const MAX_SIZE_LIMIT = 256 * 1024 * 1024;

export const CHECK_LIMIT_OPTIONS = {
  'max-wait': { type: 'string', default: '30s', describe: 'bound of every check, and how long the long checks wait for the peer' },
  keepalive: { type: 'string', describe: 'idle-timeout: also run with a ping (and a bare pong) every this often' },
  'max-size': { type: 'string', default: '16M', describe: 'max-message: search up to this many bytes (k/M)' },
} satisfies Record<string, Options>;

export interface CheckLimitArgs {
  'max-wait': string;
  keepalive?: string;
  'max-size': string;
}

export interface CheckLimits {
  maxWaitMs: number;
  keepaliveMs?: number | undefined;
  maxSize: number;
}

export function parseCheckLimits(args: CheckLimitArgs): CheckLimits {
  const maxWaitMs = positive(args['max-wait'], '--max-wait');
  const keepaliveMs = args.keepalive === undefined ? undefined : positive(args.keepalive, '--keepalive');
  const maxSize = parseBytes(args['max-size'], '--max-size');
  if (maxSize < 1 || maxSize > MAX_SIZE_LIMIT) {
    throw new InputError('ERR_BAD_SIZE', `bad --max-size "${args['max-size']}": use 1 byte to 256M`);
  }
  return { maxWaitMs, keepaliveMs, maxSize };
}

function positive(text: string, what: string): number {
  const ms = parseDuration(text, what);
  if (ms <= 0) throw new InputError('ERR_BAD_DURATION', `bad ${what} "${text}": must be more than 0`);
  return ms;
}
