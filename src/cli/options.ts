import { readFileSync } from 'node:fs';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { InputError, messageOf } from '../errors.js';
import { parseHeader } from '../net/header.js';
import { parseDuration } from '../net/duration.js';
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

/** `@FILE` as typed: the error echoes the `@` too. */
export function readAtFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError('ERR_BAD_FILE', `cannot read ${what} "@${path}": ${messageOf(e)}`);
  }
}

/** yargs gives a string or an array for repeatable options. */
export function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/**
 * The value of `option` as the user typed it: yargs has already turned `abc` or a 400-digit
 * number into NaN or Infinity for number options, and an error must echo what was given.
 */
export function typed(option: string, parsed: unknown, argv: string[] = process.argv): string {
  for (let i = argv.length - 1; i >= 0; i--) {
    const a = argv[i]!;
    if (a.startsWith(`${option}=`)) return a.slice(option.length + 1);
    if (a === option && i + 1 < argv.length) return argv[i + 1]!;
  }
  return String(parsed);
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Reads a PEM file given on the command line and checks it is what the option needs. Node's TLS
 * accepts a `ca` that holds no certificate at all (and then trusts nothing, which looks like a
 * broken server), so a wrong file must be refused here, naming the option and the file.
 */
export function readPemArg(path: string | undefined, what: string, kind: 'certificate' | 'private key'): Buffer | undefined {
  const data = readFileArg(path, what);
  if (data === undefined) return undefined;
  const text = data.toString('latin1');
  const bad = (why: string) => new InputError('ERR_BAD_PEM', `bad ${what} ${JSON.stringify(path)}: ${why}`);
  if (kind === 'certificate') {
    const blocks = text.match(CERT_BLOCK);
    if (!blocks) throw bad('not a PEM certificate file (no "-----BEGIN CERTIFICATE-----" block)');
    for (const [i, block] of blocks.entries()) {
      try {
        new X509Certificate(block);
      } catch (e) {
        throw bad(`certificate ${i + 1} does not parse (${messageOf(e)})`);
      }
    }
  } else {
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw bad('not a PEM private key file (no "-----BEGIN … PRIVATE KEY-----" block)');
    try {
      createPrivateKey(data);
    } catch (e) {
      throw bad(`the private key does not parse (${messageOf(e)})`);
    }
  }
  return data;
}

/** `--opt=` or `--opt ''`: yargs drops an empty value of an array or number option without a word; refuse it. */
export function refuseEmpty(option: string, why: string, argv: string[] = process.argv): void {
  if (argv.some((a, i) => a === `${option}=` || (a === option && argv[i + 1] === ''))) {
    throw new InputError('ERR_EMPTY_VALUE', `bad ${option} "": ${why}`);
  }
}

/**
 * `--fault help` (proxy, chain): every fault kind from the registry, then exit 0 — before yargs
 * validates, so `proxy --fault help` needs no --target. The registry loads only when asked.
 */
export async function faultHelpMiddleware(argv: { fault?: string[] }): Promise<void> {
  if (!argv.fault?.includes('help')) return;
  const { faultHelp } = await import('../proxy/faults/registry.js');
  process.stdout.write(`${faultHelp(process.stdout.columns || Number(process.env.COLUMNS) || 80)}\n`);
  process.exit(0);
}
