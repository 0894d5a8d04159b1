import { readFileSync } from 'node:fs';
import { InputError, messageOf } from './errors.js';
import { parseHeader } from './net/header.js';
import { parseDuration } from './net/duration.js';
import type { Level } from 'pino';

/** Options every command takes. */
export interface GlobalArgs {
  json: boolean;
  'log-level': Level | 'silent';
  timeout: string;
}

export function timeoutMs(args: { timeout: string }): number {
  const ms = parseDuration(args.timeout, '--timeout');
  if (ms <= 0) throw new InputError('ERR_BAD_DURATION', `bad --timeout "${args.timeout}": must be more than 0`);
  return ms;
}

/** `--header "K: V"`… → an object; repeated names are joined with ", " as HTTP allows. */
export function headersFrom(list: string[] | undefined, what = '--header'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of list ?? []) {
    const { name, value } = parseHeader(text, what);
    const key = Object.keys(out).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
    out[key] = out[key] ? `${out[key]}, ${value}` : value;
  }
  return out;
}

export function readFileArg(path: string | undefined, what: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError('ERR_BAD_FILE', `cannot read ${what} "${path}": ${messageOf(e)}`);
  }
}

/** yargs gives a string or an array for repeatable options. */
export function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
