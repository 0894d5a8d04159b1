// The options that say how a connection reaches its target (forward proxy, address overrides,
// TLS name, client certificate, redirects): one definition, taken by client (and its load
// mode), bisect and probe alike. Validated here, at the edge, into the library's ReachOptions.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { InputError, messageOf } from '../errors.js';
import { list, readFileArg } from './options.js';
import type { ReachOptions } from '../reach/options.js';
import { parseConnectTo, parseResolve } from '../reach/overrides.js';
import { parseProxyUrl, type ProxyEnv } from '../reach/proxy-url.js';
import { checkSocksCredentials } from '../reach/socks5.js';

/** Most redirects --location follows, as curl -L's default is 50 and browsers stop near 20: a WebSocket path needs few. */
export const MAX_REDIRECTS = 5;

export interface ReachArgs {
  proxy?: string;
  noproxy?: string;
  resolve?: string[];
  'connect-to'?: string[];
  servername?: string;
  cert?: string;
  key?: string;
  pass?: string;
  location?: boolean;
}

/** yargs option definitions, spread into each command's builder with `.options(REACH_OPTIONS)`. */
export const REACH_OPTIONS = {
  proxy: { type: 'string', describe: 'forward proxy: http://, https://, socks5:// or socks5h://[USER:PASSWORD@]HOST:PORT ("" = none; default from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY)' },
  noproxy: { type: 'string', describe: 'comma-separated hosts, domains or CIDRs to reach without the proxy ("*" = all); replaces NO_PROXY' },
  resolve: { type: 'string', array: true, describe: 'HOST:PORT:ADDRESS: connect to ADDRESS for HOST:PORT, keeping Host and SNI (curl --resolve; repeatable)' },
  'connect-to': { type: 'string', array: true, describe: 'HOST:PORT:HOST2:PORT2: connect to HOST2:PORT2 instead, keeping Host and SNI (curl --connect-to; repeatable)' },
  servername: { type: 'string', describe: 'TLS server name (SNI) and the name the certificate must carry (default the URL\'s host)' },
  cert: { type: 'string', describe: 'client certificate (PEM) for servers that require one (mTLS)' },
  key: { type: 'string', describe: 'private key (PEM) of --cert (default: read from the --cert file)' },
  pass: { type: 'string', describe: 'passphrase of an encrypted --key' },
  location: { alias: 'L', type: 'boolean', default: false, describe: `follow 3xx redirects of the upgrade (at most ${MAX_REDIRECTS}), each a phase` },
} as const;

/** The validated options; `env` is where HTTPS_PROXY and friends are read from. */
export function reachFromArgs(args: ReachArgs, env: ProxyEnv = process.env): ReachOptions {
  const explicit = args.proxy === undefined ? undefined : args.proxy.trim() === '' ? null : parseProxyUrl(args.proxy.trim(), '--proxy');
  if (explicit?.scheme.startsWith('socks')) checkSocksCredentials(explicit);
  const out: ReachOptions = {
    proxy: { explicit, noProxy: args.noproxy, env },
    resolve: list(args.resolve).map(parseResolve),
    connectTo: list(args['connect-to']).map(parseConnectTo),
  };
  if (args.servername !== undefined) {
    if (!/^[A-Za-z0-9.-]+$/.test(args.servername) || args.servername.length > 253) {
      throw new InputError('ERR_BAD_SERVERNAME', `bad --servername "${args.servername}": a DNS name (letters, digits, dots, hyphens)`);
    }
    out.servername = args.servername;
  }
  if (args.key !== undefined && args.cert === undefined) throw new InputError('ERR_BAD_TLS', '--key needs --cert');
  if (args.pass !== undefined && args.cert === undefined) throw new InputError('ERR_BAD_TLS', '--pass needs --cert (and --key)');
  if (args.cert !== undefined) {
    const cert = readFileArg(args.cert, '--cert')!;
    const key = readFileArg(args.key ?? args.cert, '--key')!;
    try {
      new X509Certificate(cert);
    } catch (e) {
      throw new InputError('ERR_BAD_TLS', `bad --cert "${args.cert}": not a PEM certificate (${messageOf(e)})`);
    }
    try {
      createPrivateKey({ key, passphrase: args.pass ?? '' });
    } catch (e) {
      const why = /bad decrypt|passphrase|decrypt/i.test(messageOf(e)) ? (args.pass === undefined ? 'the key is encrypted: give its passphrase with --pass' : 'wrong --pass') : `not a PEM private key (${messageOf(e)})`;
      throw new InputError('ERR_BAD_TLS', `bad --key "${args.key ?? args.cert}": ${why}`);
    }
    try {
      createSecureContext({ cert, key, passphrase: args.pass });
    } catch (e) {
      throw new InputError('ERR_BAD_TLS', `bad --cert/--key: ${messageOf(e)} (the key does not belong to the certificate?)`);
    }
    Object.assign(out, { cert, key, passphrase: args.pass });
  }
  return out;
}

/** --location as a redirect budget for the client options. */
export function redirectsFrom(args: ReachArgs): number {
  return args.location ? MAX_REDIRECTS : 0;
}
