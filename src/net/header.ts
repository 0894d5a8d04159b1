import { InputError } from '../errors.js';

// RFC 9110 §5.1 field-name = token; §5.5 field-value: visible chars, SP and HTAB, no CR/LF/NUL.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export interface HeaderPair {
  name: string;
  value: string;
}

/** Parses a `--header "Name: value"` argument; rejects what would corrupt a request head. */
export function parseHeader(text: string, what = '--header'): HeaderPair {
  // JSON quoting shows a CR/LF/NUL as \r\n\0 in the one-line error instead of breaking it.
  const quoted = JSON.stringify(text);
  const colon = text.indexOf(':');
  if (colon <= 0) {
    throw new InputError('ERR_BAD_HEADER', `bad ${what} ${quoted}: expected "Name: value"`);
  }
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (!TOKEN.test(name)) {
    throw new InputError('ERR_BAD_HEADER', `bad ${what} ${quoted}: ${JSON.stringify(name)} is not a valid header name`);
  }
  if (!FIELD_VALUE.test(value)) {
    throw new InputError('ERR_BAD_HEADER', `bad ${what} ${quoted}: the value has control characters`);
  }
  return { name, value };
}

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** Splits a comma-separated header list into lowercase trimmed tokens. */
export function headerTokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** Pairs Node's flat rawHeaders array: arrival order, raw casing. */
export function pairRawHeaders(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/**
 * A hop or endpoint name goes into Via (received-by, RFC 9110 §7.6.3) and into our marker
 * headers: it must be one token. A CR/LF would inject a header; a comma or parenthesis would
 * split or hide the Via entry, and with it the loop detection.
 */
export function parseName(text: string, what: string): string {
  if (!TOKEN.test(text)) {
    throw new InputError('ERR_BAD_NAME', `bad ${what} ${JSON.stringify(text)}: must be one token (letters, digits, - . _ ~ and no spaces, commas or parentheses)`);
  }
  return text;
}
