import { pino, type Logger, type Level } from 'pino';

export type { Logger };

export interface LogOptions {
  level?: Level | 'silent' | undefined;
  /** Force JSON logs even on a TTY (with --json). */
  json?: boolean | undefined;
}

/**
 * Logs go to stderr, always: stdout belongs to the command's output (human or NDJSON).
 * On a TTY they are pretty-printed by pino-pretty, one line per event, loaded only then, synchronously
 * (no worker thread) so a short-lived CLI does not pay for a transport.
 */
export async function createLogger(opts: LogOptions = {}): Promise<Logger> {
  const level = opts.level ?? 'info';
  if (process.stderr.isTTY && !opts.json) {
    const [{ default: pretty }, { styleFor }] = await Promise.all([import('pino-pretty'), import('./report/terminal.js')]);
    // One line per event (its fields inline), coloured only as the terminal sink would be.
    const colorize = styleFor(process.stderr).color;
    return pino({ level, base: undefined }, pretty({ destination: 2, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, colorize }));
  }
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: 2, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
