/** The library logs through pino; silent unless the caller (the CLI: src/cli/logger.ts) gives a logger. */
import { pino, type Logger } from 'pino';

export type { Logger };

export const silentLogger: Logger = pino({ level: 'silent' });
