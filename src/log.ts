import { createRequire } from 'node:module';
import type { Level, Logger as PinoLogger } from 'pino';

/** One log call: pino's shapes, `(fields, message)` or `(message)`. A pino logger satisfies it. */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

/** What wstrace logs through. A pino logger is one; ours loads pino only for its first line. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LogOptions {
  level?: Level | 'silent' | undefined;
  /** Force JSON logs even on a TTY (with --json). */
  json?: boolean | undefined;
}

const LEVELS: Record<Level | 'silent', number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const METHODS = ['debug', 'info', 'warn', 'error'] as const;
// pino and pino-pretty are CommonJS: required synchronously, when the first line is written.
const require = createRequire(import.meta.url);

/**
 * Logs go to stderr, always: stdout belongs to the command's output (human or NDJSON).
 * On a TTY they are pretty-printed by pino-pretty, synchronously (no worker thread) so a
 * short-lived CLI does not pay for a transport. Nothing is loaded until a line at or above
 * `level` is written: a server at `--log-level warn` that never warns never loads pino.
 */
export async function createLogger(opts: LogOptions = {}): Promise<Logger> {
  const level = opts.level ?? 'info';
  const pretty = process.stderr.isTTY && !opts.json;
  return lazy(LEVELS[level], () => {
    const { pino } = require('pino') as typeof import('pino');
    if (pretty) {
      const build = require('pino-pretty') as typeof import('pino-pretty');
      return pino({ level, base: undefined }, build({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
    }
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
  });
}

/** A logger whose pino is made by `make` on the first call at or above `threshold`. */
function lazy(threshold: number, make: () => PinoLogger): Logger {
  let real: PinoLogger | undefined;
  const get = () => (real ??= make());
  const logger = { child: (bindings: Record<string, unknown>) => lazy(threshold, () => get().child(bindings)) } as Logger;
  for (const name of METHODS) {
    logger[name] = LEVELS[name] >= threshold ? (((...args: [object | string, string?]) => (get()[name] as (...a: unknown[]) => void)(...args)) as LogFn) : () => {};
  }
  return logger;
}

export const silentLogger: Logger = lazy(Infinity, () => {
  throw new Error('the silent logger never writes');
});
