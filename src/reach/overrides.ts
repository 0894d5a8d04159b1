// curl's --resolve and --connect-to: reach a hop by address while keeping the public Host and SNI.
import { isIP } from 'node:net';
import { InputError } from '../errors.js';

/** `--resolve HOST:PORT:ADDR`: HOST (or `*`) on PORT resolves to ADDR, no DNS. */
export interface ResolveRule {
  host: string;
  port: number;
  address: string;
}

/** `--connect-to HOST:PORT:HOST2:PORT2`: empty HOST/PORT match any; empty HOST2/PORT2 keep the original. */
export interface ConnectToRule {
  host: string;
  port: number | undefined;
  toHost: string;
  toPort: number | undefined;
}

/** Splits on `:` outside [brackets], so IPv6 addresses can be written as curl does: `[::1]`. */
function fields(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of text) {
    if (ch === '[') depth++;
    if (ch === ']') depth--;
    if (ch === ':' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unbracket = (s: string) => s.replace(/^\[(.*)\]$/, '$1');

function port(text: string, spec: string, what: string, allowEmpty: boolean): number | undefined {
  if (text === '' && allowEmpty) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new InputError('ERR_BAD_OVERRIDE', `bad ${what} "${spec}": port "${text}" is not 1-65535`);
  return n;
}

export function parseResolve(spec: string): ResolveRule {
  const f = fields(spec);
  if (f.length !== 3 || !f[0]) throw new InputError('ERR_BAD_OVERRIDE', `bad --resolve "${spec}": expected HOST:PORT:ADDRESS (e.g. app.example:443:10.0.0.5)`);
  const address = unbracket(f[2]!);
  if (isIP(address) === 0) throw new InputError('ERR_BAD_OVERRIDE', `bad --resolve "${spec}": "${f[2]}" is not an IP address (IPv6 in [brackets])`);
  return { host: unbracket(f[0]).toLowerCase(), port: port(f[1]!, spec, '--resolve', false)!, address };
}

export function parseConnectTo(spec: string): ConnectToRule {
  const f = fields(spec);
  if (f.length !== 4) throw new InputError('ERR_BAD_OVERRIDE', `bad --connect-to "${spec}": expected HOST:PORT:HOST2:PORT2 (empty parts match any or keep the original)`);
  return {
    host: unbracket(f[0]!).toLowerCase(),
    port: port(f[1]!, spec, '--connect-to', true),
    toHost: unbracket(f[2]!),
    toPort: port(f[3]!, spec, '--connect-to', true),
  };
}

/** Where to open the TCP connection for host:port: the first matching --connect-to, as curl applies it. */
export function applyConnectTo(host: string, port: number, rules: readonly ConnectToRule[]): { host: string; port: number; rule?: ConnectToRule } {
  const h = host.toLowerCase();
  for (const rule of rules) {
    if ((rule.host === '' || rule.host === h) && (rule.port === undefined || rule.port === port)) {
      return { host: rule.toHost || host, port: rule.toPort ?? port, rule };
    }
  }
  return { host, port };
}

/** The --resolve address for host:port, if one was given (`*` matches every host). */
export function resolveOverride(host: string, port: number, rules: readonly ResolveRule[]): string | undefined {
  const h = host.toLowerCase();
  return rules.find((r) => (r.host === h || r.host === '*') && r.port === port)?.address;
}
