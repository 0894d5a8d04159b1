/**
 * The one definition of how a command connects to a WebSocket URL: client (and its load mode),
 * bisect, probe and watch take exactly these options (into the library's `Connection`, src/connection.ts). To add a connection option, add it in the three
 * places below (the yargs spec, `ConnectionArgs`, `parseConnection` into `Connection`); every
 * connecting command then accepts it, and `ClientOptions` (which extends `Connection`) carries it.
 * Light on purpose: command modules import it to build their options, so `--help` stays fast.
 */
import type { Argv, Options } from 'yargs';
import { InputError } from '../errors.js';
import { EXPECTS, HTTP_MODES, type Connection, type HttpMode } from '../connection.js';
import { isOneOf } from '../guards.js';
import { headersFrom, list, readAtFile, readPemArg, refuseEmpty } from './options.js';
import { parseDuration } from '../net/duration.js';
import { parseBytes } from '../net/size.js';
import { isToken, parseHeader } from '../net/header.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../constants.js';
import { REACH_OPTIONS, reachFromArgs, redirectsFrom, type ReachArgs } from './reach.js';

/** RFC 9113 §8.2.2: connection-specific fields make an HTTP/2 request malformed. */
const H2_FORBIDDEN = ['connection', 'upgrade', 'keep-alive', 'proxy-connection', 'transfer-encoding'];

/** Longest `--wait`: a listener for a diagnosis, not a subscription. */
const MAX_WAIT_MS = 10 * 60_000;

export const CONNECTION_OPTIONS = {
  header: { alias: 'H', type: 'string', array: true, describe: 'request header "Name: value" (repeatable; bisect: on every URL, see --hop-header)' },
  origin: { alias: 'o', type: 'string', describe: 'send this Origin header' },
  subprotocol: { alias: 's', type: 'string', array: true, describe: 'offer this subprotocol (repeatable)' },
  message: { type: 'string', describe: 'message to send (default "hello from wstrace"); @FILE sends the file\'s bytes, @@… a text starting with @' },
  size: { type: 'string', describe: 'send generated messages of this many bytes (k/M) instead of --message' },
  binary: { type: 'boolean', default: false, describe: 'send binary messages' },
  expect: {
    type: 'string', choices: EXPECTS,
    describe: 'the far end: echo (compare replies), any (print what comes back, prove liveness by ping/pong), none (handshake only); default echo when the 101 carries X-Wstrace-Endpoint, else any',
  },
  wait: { alias: 'w', type: 'string', default: '0s', describe: 'with --expect any: listen this long for more messages after the ping/pong; client -x and pipe mode: after the replies' },
  deflate: { type: 'boolean', default: true, describe: 'offer permessage-deflate (--no-deflate to not)' },
  insecure: { alias: ['k', 'n'], type: 'boolean', default: false, describe: 'do not verify TLS certificates (wss://)' },
  ca: { type: 'string', describe: 'PEM file of CA certificates to trust (wss://)' },
  http: {
    type: 'string',
    describe: 'HTTP version of the handshake: 1.1 (default; GET + Upgrade), 2 (RFC 8441 extended CONNECT; h2c for ws://), auto (h2 when offered, like a browser)',
  },
  http2: { type: 'boolean', describe: 'same as --http 2' },
  // How the connection gets there: forward proxy, address overrides, TLS name, client certificate, redirects.
  ...REACH_OPTIONS,
} satisfies Record<string, Options>;

/** The parsed-by-yargs form of CONNECTION_OPTIONS. */
export interface ConnectionArgs extends ReachArgs {
  header?: string[];
  origin?: string;
  subprotocol?: string[];
  message?: string;
  size?: string;
  binary: boolean;
  expect?: string;
  wait: string;
  deflate: boolean;
  insecure: boolean;
  ca?: string;
  http?: string;
  http2?: boolean;
}

/** Adds every connection option to a command's builder. */
export function withConnectionOptions<T>(y: Argv<T>) {
  return y.options(CONNECTION_OPTIONS);
}

/** Validates the connection options at the edge (one-line InputError per bad value). */
export function parseConnection(args: ConnectionArgs): Connection {
  refuseEmpty('--subprotocol', 'must be an HTTP token');
  const subprotocols = list(args.subprotocol);
  for (const p of subprotocols) if (!isToken(p)) throw new InputError('ERR_BAD_SUBPROTOCOL', `bad --subprotocol "${p}": must be an HTTP token`);
  const size = args.size === undefined ? undefined : parseBytes(args.size, '--size');
  if (size !== undefined && size > DEFAULT_MAX_PAYLOAD_BYTES) {
    throw new InputError('ERR_BAD_SIZE', `bad --size "${args.size}": at most ${DEFAULT_MAX_PAYLOAD_BYTES} bytes`);
  }
  const expect = args.expect;
  if (expect !== undefined && !isOneOf(EXPECTS, expect)) {
    throw new InputError('ERR_BAD_EXPECT', `bad --expect "${String(args.expect)}": use ${EXPECTS.join(', ')}`);
  }
  const waitMs = parseDuration(args.wait ?? '0s', '--wait');
  if (waitMs > MAX_WAIT_MS) throw new InputError('ERR_BAD_DURATION', `bad --wait "${args.wait}": at most 10m`);
  if (args.origin !== undefined) parseHeader(`Origin: ${args.origin}`, '--origin');
  const http = httpModeOf(args);
  const headers = headersFrom(args.header);
  const bad = http !== '1.1' && Object.keys(headers).find((k) => H2_FORBIDDEN.includes(k.toLowerCase()));
  if (bad) throw new InputError('ERR_BAD_HEADER', `bad --header "${bad}" with --http ${http}: connection-specific headers are not allowed in HTTP/2 (RFC 9113 §8.2.2)`);
  return {
    headers,
    http,
    origin: args.origin,
    subprotocols,
    message: messageFrom(args.message),
    size,
    binary: args.binary ?? false,
    expect,
    waitMs,
    deflate: args.deflate ?? true,
    insecure: args.insecure ?? false,
    ca: readPemArg(args.ca, '--ca', 'certificate'),
    reach: reachFromArgs(args),
    redirects: redirectsFrom(args),
  };
}

/**
 * `--message @FILE` sends the file's bytes (curl -d's habit); `@@text` is the text `@text`.
 * Read at the edge so a missing file is an input error before anything connects.
 */
function messageFrom(text: string | undefined): string | Buffer | undefined {
  if (text === undefined || !text.startsWith('@')) return text;
  if (text.startsWith('@@')) return text.slice(1);
  const path = text.slice(1);
  if (!path) throw new InputError('ERR_BAD_FILE', 'bad --message "@": name a file after @ (or write @@ for a text starting with @)');
  return readAtFile(path, '--message');
}

function httpModeOf(args: Pick<ConnectionArgs, 'http' | 'http2'>): HttpMode {
  if (args.http2 && args.http !== undefined && args.http !== '2') throw new InputError('ERR_BAD_HTTP', `--http2 and --http ${args.http} contradict each other`);
  const mode = args.http2 ? '2' : (args.http ?? '1.1');
  if (!isOneOf(HTTP_MODES, mode)) throw new InputError('ERR_BAD_HTTP', `bad --http "${mode}": use ${HTTP_MODES.join(', ')}`);
  return mode;
}

/**
 * probe's checks (and bisect --check) send their own messages and know what each must get back:
 * the message options would be silently ignored there, so they are refused.
 */
export function refuseMessageOptions(args: ConnectionArgs, who: string): void {
  const given: string[] = (['message', 'size', 'expect'] as const).filter((k) => args[k] !== undefined);
  if (args.binary) given.push('binary');
  if (parseDuration(args.wait ?? '0s', '--wait') > 0) given.push('wait');
  if (given.length) {
    throw new InputError('ERR_USAGE', `--${given[0]} is for client and bisect without --check: ${who}'s checks send their own messages and know what each must get back`);
  }
}
