import { createRequire } from 'node:module';
import type { Level } from 'pino';
import { lazyLogger, type Logger } from '../log.js';
import { styleFor } from '../report/terminal.js';

export interface LogOptions {
  level?: Level | 'silent' | undefined;
  /** Force JSON logs even on a TTY (with --json). */
  json?: boolean | undefined;
}

// pino and pino-pretty are CommonJS: required synchronously, when the first line is written.
const require = createRequire(import.meta.url);

/**
 * Logs go to stderr, always: stdout belongs to the command's output (human or NDJSON).
 * On a TTY they are pretty-printed by pino-pretty, one line per event, synchronously (no worker
 * thread) so a short-lived CLI does not pay for a transport. Nothing is loaded until a line at or
 * above `level` is written: a server at `--log-level warn` that never warns never loads pino.
 */
export async function createLogger(opts: LogOptions = {}): Promise<Logger> {
  const level = opts.level ?? 'info';
  const pretty = process.stderr.isTTY && !opts.json;
  return lazyLogger(level, () => {
    // createRequire's require is untyped: the declared types say what these modules are.
    const pinoModule: typeof import('pino') = require('pino');
    const { pino } = pinoModule;
    if (pretty) {
      const build: typeof import('pino-pretty') = require('pino-pretty');
      // One line per event (its fields inline), coloured only as the terminal sink would be.
      const colorize = styleFor(process.stderr).color;
      return pino({ level, base: undefined }, build({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, colorize }));
    }
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
  });
}
