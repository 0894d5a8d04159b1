import { InputError } from '../errors.js';

const UNIT: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** Parses `32768`, `64k`, `16MiB` into bytes (binary multiples). */
export function parseBytes(text: string | number, what = 'size'): number {
  const raw = String(text).replace(/^[ \t]+|[ \t]+$/g, '');
  const match = /^(\d+)\s*([a-zA-Z]*)$/.exec(raw);
  const mult = match ? UNIT[match[2]!.toLowerCase()] : undefined;
  if (!match || mult === undefined) {
    throw new InputError('ERR_BAD_SIZE', `bad ${what} "${raw}": use bytes, optionally with k or M (e.g. 32768, 64k, 16M)`);
  }
  const n = Number(match[1]) * mult;
  if (!Number.isSafeInteger(n)) throw new InputError('ERR_BAD_SIZE', `bad ${what} "${raw}": too large`);
  return n;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
}
