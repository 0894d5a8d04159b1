/**
 * The library logs through a Logger; silent unless the caller (the CLI: src/cli/logger.ts) gives
 * one. A pino logger is one; `lazyLogger` makes one that loads pino only for its first line.
 */
import type { Level, Logger as PinoLogger } from 'pino';

/** One log call: pino's shapes, `(fields, message)` or `(message)`. A pino logger satisfies it. */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

/** What wstrace logs through: the four levels it uses and child loggers. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

const LEVELS: Record<Level | 'silent', number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** A logger whose pino logger is made by `make` on the first call at or above `level`; below it, calls cost nothing. */
export function lazyLogger(level: Level | 'silent', make: () => PinoLogger): Logger {
  const threshold = LEVELS[level];
  let real: PinoLogger | undefined;
  const get = () => (real ??= make());
  const logger = { child: (bindings: Record<string, unknown>) => lazyLogger(level, () => get().child(bindings)) } as Logger;
  for (const name of METHODS) {
    logger[name] = LEVELS[name] >= threshold ? (((...args: [object | string, string?]) => (get()[name] as (...a: unknown[]) => void)(...args)) as LogFn) : () => {};
  }
  return logger;
}

export const silentLogger: Logger = lazyLogger('silent', () => {
  throw new Error('the silent logger never writes');
});
