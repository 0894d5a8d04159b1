import { InputError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses `250ms`, `5s`, `1.5s`, `2m`, `1h` into milliseconds. A bare number other than 0 is
 * refused: `--timeout 5` reads as seconds to a wscat user and as milliseconds to a curl
 * (`--max-time` aside) or Node user, and a guess either way is a silent factor of 1000.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  // Spaces around are forgiven; control characters are not (they are shown escaped in the error).
  const raw = String(text).replace(/^[ \t]+|[ \t]+$/g, '');
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw);
  if (!match) {
    throw new InputError('ERR_BAD_DURATION', `bad ${what} "${raw}": use a number with ms, s, m or h (e.g. 500ms, 5s, 2m)`);
  }
  if (match[2] === undefined && Number(match[1]) !== 0) {
    throw new InputError('ERR_BAD_DURATION', `bad ${what} "${raw}": give a unit, e.g. ${match[1]}s or ${match[1]}ms (ms, s, m, h)`);
  }
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
  if (!Number.isFinite(ms) || ms > 24 * 3_600_000) {
    throw new InputError('ERR_BAD_DURATION', `bad ${what} "${raw}": must be at most 24h`);
  }
  return ms;
}

/** A duration to the microsecond: how every `t` and `ms` on the --json stream is written. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** Milliseconds since `t0` (a performance.now() reading), to the microsecond. */
export function msSince(t0: number): number {
  return roundMs(performance.now() - t0);
}

/** `1234.5` ms → `1.235 s`; under a second → `12.3 ms`. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`;
}
