import { InputError } from '../errors.js';
import { parseDuration } from '../net/duration.js';
import type { Limit } from './types.js';

/** A `--fail-on` condition: exit 1 when it holds at the end of the watch. */
export type FailOn =
  | { kind: 'drop'; text: string }
  | { kind: 'limit'; belowMs: number; text: string }
  | { kind: 'handshake-failures'; rate: number; text: string };

const USAGE = 'use drop, limit<DURATION (e.g. limit<60s) or handshake-failures>PERCENT (e.g. handshake-failures>1%)';

export function parseFailOn(text: string): FailOn {
  const t = text.trim();
  if (t === 'drop') return { kind: 'drop', text: t };
  const limit = /^limit<(.+)$/.exec(t);
  if (limit) {
    const ms = parseDuration(limit[1]!, `--fail-on "${t}" duration`);
    if (ms <= 0) throw new InputError('ERR_BAD_FAIL_ON', `bad --fail-on "${t}": the duration must be more than 0`);
    return { kind: 'limit', belowMs: ms, text: t };
  }
  const rate = /^handshake-failures>(\d+(?:\.\d+)?)%$/.exec(t);
  if (rate) {
    const pct = Number(rate[1]);
    if (pct >= 100) throw new InputError('ERR_BAD_FAIL_ON', `bad --fail-on "${t}": the rate must be below 100%`);
    return { kind: 'handshake-failures', rate: pct / 100, text: t };
  }
  throw new InputError('ERR_BAD_FAIL_ON', `bad --fail-on "${t}": ${USAGE}`);
}

export interface FailOnFacts {
  drops: number;
  limits: Limit[];
  handshakes: { ok: number; failed: number };
}

/** Why `c` holds, or undefined when it does not. */
export function failOnMet(c: FailOn, f: FailOnFacts): string | undefined {
  switch (c.kind) {
    case 'drop':
      return f.drops > 0 ? `${f.drops} held connection${f.drops === 1 ? '' : 's'} dropped` : undefined;
    case 'limit': {
      const below = f.limits.filter((l) => l.value * 1000 < c.belowMs);
      return below.length ? below.map((l) => `${l.kind} ${l.value.toFixed(1)} s`).join(', ') + ` is below ${c.belowMs / 1000} s` : undefined;
    }
    case 'handshake-failures': {
      const n = f.handshakes.ok + f.handshakes.failed;
      const rate = n ? f.handshakes.failed / n : 0;
      return rate > c.rate ? `${f.handshakes.failed} of ${n} handshakes failed (${(rate * 100).toFixed(1)} %)` : undefined;
    }
  }
}
