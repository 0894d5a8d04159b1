import { isIP } from 'node:net';
import { InputError } from '../errors.js';
import { parsePort } from '../net/url.js';

export interface ApiAddress {
  host: string;
  port: number;
}

/**
 * `--api PORT`, `--api HOST:PORT` or `--api [V6]:PORT`, with `--api-host HOST`. The API changes
 * faults without any authentication, so it binds loopback unless the non-loopback host is named
 * on purpose with --api-host (the way the proxy's own --host is explicit).
 */
export function parseApiAddress(api: string, apiHost?: string): ApiAddress {
  const m = /^(?:\[([^\]]+)\]:|([^:]+):)?(\d+)$/.exec(api.trim());
  if (!m) throw new InputError('ERR_BAD_API', `bad --api "${api}": expected PORT or HOST:PORT, e.g. 127.0.0.1:8474 (0 picks a free port)`);
  const port = parsePort(m[3], '--api');
  const given = m[1] ?? m[2];
  if (apiHost !== undefined) {
    if (!apiHost.trim()) throw new InputError('ERR_BAD_API', '--api-host needs an address');
    if (given !== undefined && given !== apiHost) throw new InputError('ERR_BAD_API', `--api "${api}" and --api-host "${apiHost}" name different hosts: give the host once`);
    return { host: apiHost, port };
  }
  const host = given ?? '127.0.0.1';
  if (!isLoopback(host)) {
    throw new InputError('ERR_API_NOT_LOOPBACK', `--api "${api}": ${host} is not a loopback address; the control API changes faults without authentication, so to expose it say so with --api-host ${host}`);
  }
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

/** `--api`, `--api-host` and `--seed` of `proxy` and `chain`, checked together. */
export interface ControlArgs {
  api?: string;
  'api-host'?: string;
  seed?: number;
}

export function controlFromArgs(args: ControlArgs): { api?: ApiAddress; seed?: number } {
  if (args['api-host'] !== undefined && args.api === undefined) {
    throw new InputError('ERR_BAD_API', `--api-host "${args['api-host']}" needs --api PORT (the control API is off unless asked for)`);
  }
  const seed = args.seed;
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32)) {
    throw new InputError('ERR_BAD_SEED', `bad --seed "${String(seed)}": use a whole number from 0 to ${2 ** 32 - 1}`);
  }
  return { ...(args.api !== undefined ? { api: parseApiAddress(String(args.api), args['api-host']) } : {}), ...(seed !== undefined ? { seed } : {}) };
}
