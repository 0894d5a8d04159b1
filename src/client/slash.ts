/**
 * What a line typed in interactive mode (or given to `client -x`) asks for: a message to send, or
 * a slash command. One parser for both, so `-x '/close 4000 bye'` is refused at the edge exactly
 * as the same typo would be answered at the prompt.
 */
import { readFileSync } from 'node:fs';
import { InputError, messageOf } from '../errors.js';

export type Action =
  | { kind: 'send'; data: Buffer; binary: boolean }
  | { kind: 'ping' }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'inspect' }
  | { kind: 'help' }
  | { kind: 'quit' };

export const SLASH_HELP = '/ping, /close [CODE [REASON]], /inspect, /binary HEX|@FILE, /quit, /help (//text sends "/text")';

/** RFC 6455 §7.4: the codes a close frame may carry (1004-1006 are reserved; ws refuses them too). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && (code < 1004 || code > 1006)) || (code >= 3000 && code <= 4999);
}

/** A line as the user typed it → an action; a bad slash command is an InputError naming the line. */
export function parseLine(line: string, binary: boolean): Action {
  if (!line.startsWith('/') || line.startsWith('//')) {
    const text = line.startsWith('//') ? line.slice(1) : line;
    return { kind: 'send', data: Buffer.from(text, 'utf8'), binary };
  }
  const [word, ...rest] = line.split(' ');
  const arg = rest.join(' ').trim();
  const bad = (why: string) => new InputError('ERR_BAD_COMMAND', `bad command ${JSON.stringify(line)}: ${why}`);
  switch (word) {
    case '/ping':
    case '/inspect':
    case '/quit':
    case '/help':
      if (arg) throw bad(`${word} takes nothing after it`);
      return { kind: word.slice(1) as 'ping' | 'inspect' | 'quit' | 'help' };
    case '/close':
      return parseClose(arg, bad);
    case '/binary':
      return { kind: 'send', data: parseBinary(arg, bad), binary: true };
    default:
      throw new InputError('ERR_BAD_COMMAND', `unknown command ${JSON.stringify(word)}: use ${SLASH_HELP}`);
  }
}

function parseClose(arg: string, bad: (why: string) => InputError): Action {
  if (!arg) return { kind: 'close', code: 1000, reason: '' };
  const m = /^(\S+)(?: (.*))?$/.exec(arg)!;
  const code = /^\d{4}$/.test(m[1]!) ? Number(m[1]) : NaN;
  if (!isSendableCloseCode(code)) throw bad('the code must be 1000-1003, 1007-1014 or 3000-4999 (RFC 6455 §7.4)');
  const reason = m[2] ?? '';
  // §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.
  if (Buffer.byteLength(reason) > 123) throw bad(`the reason is ${Buffer.byteLength(reason)} bytes; a close frame holds at most 123`);
  return { kind: 'close', code, reason };
}

function parseBinary(arg: string, bad: (why: string) => InputError): Buffer {
  if (arg.startsWith('@')) {
    try {
      return readFileSync(arg.slice(1));
    } catch (e) {
      throw bad(`cannot read ${JSON.stringify(arg.slice(1))}: ${messageOf(e)}`);
    }
  }
  const hex = arg.replace(/\s+/g, '');
  if (!hex || hex.length % 2 || !/^[0-9a-fA-F]+$/.test(hex)) throw bad('give hex bytes (e.g. /binary 01ff or /binary 01 ff) or @FILE');
  return Buffer.from(hex, 'hex');
}
