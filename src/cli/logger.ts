import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import type { Level, Logger as PinoLogger } from 'pino';
import { lazyLogger, type Logger } from '../log.js';
import { styleFor } from '../report/terminal.js';

export interface LogOptions {
  level?: Level | 'silent' | undefined;
  /** Force JSON logs even on a TTY (with --json). */
  json?: boolean | undefined;
}

// pino and pino-pretty are CommonJS: required synchronously, by createLogger (never at `silent`).
const require = createRequire(import.meta.url);
/** Log lines formatted to nowhere before the real logger writes one. */
const WARM_LINES = 20;

/**
 * Logs go to stderr, always: stdout belongs to the command's output (human or NDJSON).
 * On a TTY they are pretty-printed by pino-pretty, one line per event, synchronously (no worker
 * thread) so a short-lived CLI does not pay for a transport. The loggers made here are servers'
 * (echo, proxy, chain), and a server's first line is its first client's "open": loading pino
 * there put ~10 ms into that client's first echo RTT (a capture showed the echo answering 9 ms
 * late), so pino is loaded now, before the server announces itself. At `silent` it never is.
 */
export async function createLogger(opts: LogOptions = {}): Promise<Logger> {
  const level = opts.level ?? 'info';
  const pretty = process.stderr.isTTY && !opts.json;
  const make = (destination: 2 | Writable): PinoLogger => {
    // createRequire's require is untyped: the declared types say what these modules are.
    const pinoModule: typeof import('pino') = require('pino');
    const { pino } = pinoModule;
    if (pretty) {
      const build: typeof import('pino-pretty') = require('pino-pretty');
      // One line per event (its fields inline), coloured only as the terminal sink would be.
      const colorize = styleFor(process.stderr).color;
      return pino({ level, base: undefined }, build({ destination, sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true, colorize }));
    }
    return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination === 2 ? pino.destination({ dest: 2, sync: true }) : destination);
  };
  if (level === 'silent') return lazyLogger(level, () => make(2));
  // Lines like a connection's, written to nowhere: the formatting (pino-pretty's most of all,
  // ~5 ms cold) is compiled before the first real line.
  const rehearsal = make(new Writable({ write: (_chunk, _encoding, done) => done() })).child({ layer: 'warm-up' });
  for (let i = 0; i < WARM_LINES; i++) rehearsal[level]({ peer: '127.0.0.1', url: '/warm-up', ms: i }, 'warm-up');
  // A pino logger is a Logger: no lazy wrapper once it is made.
  return make(2);
}
