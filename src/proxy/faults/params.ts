import { InputError, messageOf } from '../../errors.js';
import { isOneOf } from '../../guards.js';
import { parseDuration } from '../../net/duration.js';
import { parseBytes } from '../../net/size.js';

/**
 * Value and parameter checks shared by every fault kind. Each error is one line naming the
 * spec as the user wrote it, so `--fault idle-timeout=soon` says exactly what is wrong.
 */
export class SpecReader {
  constructor(readonly spec: string, readonly value: string | undefined, readonly params: Record<string, string>, allowed: string[] = []) {
    const unknown = Object.keys(params).find((k) => !allowed.includes(k));
    if (unknown !== undefined) {
      const known = allowed.length ? `known: ${allowed.join(', ')}` : 'this fault takes none';
      throw this.error(`unknown parameter "${unknown}" (${known})`);
    }
  }

  error(message: string): InputError {
    return new InputError('ERR_BAD_FAULT', `bad fault "${this.spec}": ${message}`);
  }

  noValue(): void {
    if (this.value !== undefined) throw this.error(`takes no value (got "${this.value}")`);
  }

  required(what: string): string {
    if (this.value === undefined || this.value === '') throw this.error(`needs a value: ${what}`);
    return this.value;
  }

  /** Milliseconds; `min` is inclusive. */
  duration(text: string, what: string, min = 1): number {
    let ms: number;
    try {
      ms = parseDuration(text, what);
    } catch (e) {
      throw this.error(messageOf(e));
    }
    if (ms < min) throw this.error(`${what} must be at least ${min} ms`);
    return ms;
  }

  bytes(text: string, what: string, min = 1): number {
    let n: number;
    try {
      n = parseBytes(text, what);
    } catch (e) {
      throw this.error(messageOf(e));
    }
    if (n < min) throw this.error(`${what} must be at least ${min} B`);
    return n;
  }

  oneOf<T extends string>(text: string | undefined, what: string, choices: readonly T[], fallback: T): T {
    if (text === undefined || text === '') return fallback;
    if (!isOneOf(choices, text)) throw this.error(`${what} must be ${choices.join(', ')} (got "${text}")`);
    return text;
  }
}
