import type { Logger } from '../log.js';
import type { Tunnel, Direction } from './tunnel.js';

/** Placeholder until the frame tap lands: --trace-frames is accepted but logs nothing yet. */
export function addFrameTap(_tunnel: Tunnel, _hop: string, _log: Logger, _dirs: Direction[] = ['up', 'down']): void {}
