// The SOCKS5 client exchange (RFC 1928), with username/password authentication (RFC 1929).
// socks5:// sends an address we resolved; socks5h:// sends the host name for the proxy to resolve.
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { socksAuthVerdict, socksReplyVerdict, VerdictError } from '../diagnose/proxy.js';
import { InputError } from '../errors.js';
import type { ProxySpec } from './proxy-url.js';
import { authority } from './http-connect.js';
import { readMessage } from './read.js';

const VERSION = 5;
const NO_AUTH = 0x00;
const USER_PASS = 0x02;
const NO_ACCEPTABLE = 0xff;
const CMD_CONNECT = 1;
const ATYP_IPV4 = 1;
const ATYP_DOMAIN = 3;
const ATYP_IPV6 = 4;

const fixed = (n: number) => (buf: Buffer) => (buf.length >= n ? n : undefined);

/** Bytes of a CONNECT reply: VER REP RSV ATYP BND.ADDR BND.PORT, whose length depends on ATYP. */
function replyLength(buf: Buffer): number | undefined {
  if (buf.length < 5) return undefined;
  const atyp = buf[3];
  const n = atyp === ATYP_IPV4 ? 4 + 4 + 2 : atyp === ATYP_IPV6 ? 4 + 16 + 2 : atyp === ATYP_DOMAIN ? 4 + 1 + buf[4]! + 2 : 4 + 4 + 2;
  return buf.length >= n ? n : undefined;
}

function garbled(proxy: ProxySpec, what: string, got: Buffer): VerdictError {
  return new VerdictError(socksReplyVerdict(proxy, what, -1, `not a SOCKS5 answer: ${got.subarray(0, 16).toString('hex')}${looksHttp(got) ? ' (this looks like HTTP: use http://)' : ''}`));
}

const looksHttp = (b: Buffer) => b.subarray(0, 5).toString('latin1') === 'HTTP/';

/** Asks the SOCKS5 proxy for a connection to host:port; resolves once it is established. */
export async function socksConnect(socket: Duplex, proxy: ProxySpec, host: string, port: number, timeoutMs: number): Promise<void> {
  const target = authority(host, port);
  const withAuth = proxy.username !== undefined;
  socket.write(Buffer.from(withAuth ? [VERSION, 2, NO_AUTH, USER_PASS] : [VERSION, 1, NO_AUTH]));
  const choice = await readMessage(socket, fixed(2), timeoutMs, 2);
  if (choice[0] !== VERSION) throw garbled(proxy, target, choice);
  if (choice[1] === NO_ACCEPTABLE) throw new VerdictError(socksAuthVerdict(proxy, false));
  if (choice[1] === USER_PASS) {
    if (!withAuth) throw new VerdictError(socksAuthVerdict(proxy, false));
    const user = Buffer.from(proxy.username ?? '');
    const pass = Buffer.from(proxy.password ?? '');
    socket.write(Buffer.concat([Buffer.from([1, user.length]), user, Buffer.from([pass.length]), pass]));
    const status = await readMessage(socket, fixed(2), timeoutMs, 2);
    if (status[1] !== 0) throw new VerdictError(socksAuthVerdict(proxy, true));
  } else if (choice[1] !== NO_AUTH) {
    throw new VerdictError(socksAuthVerdict(proxy, false));
  }
  socket.write(Buffer.concat([Buffer.from([VERSION, CMD_CONNECT, 0]), encodeAddress(host), Buffer.from([port >> 8, port & 0xff])]));
  const reply = await readMessage(socket, replyLength, timeoutMs, 4 + 1 + 255 + 2);
  if (reply[0] !== VERSION) throw garbled(proxy, target, reply);
  if (reply[1] !== 0) throw new VerdictError(socksReplyVerdict(proxy, target, reply[1]!));
}

/** Validates what SOCKS5 can carry: user name and password of at most 255 bytes each (RFC 1929). */
export function checkSocksCredentials(proxy: ProxySpec): void {
  for (const [what, v] of [['user name', proxy.username], ['password', proxy.password]] as const) {
    if (v !== undefined && Buffer.byteLength(v) > 255) throw new InputError('ERR_BAD_PROXY', `bad ${proxy.source}: the SOCKS5 ${what} is longer than 255 bytes`);
  }
}

function encodeAddress(host: string): Buffer {
  const family = isIP(host);
  if (family === 4) return Buffer.from([ATYP_IPV4, ...host.split('.').map(Number)]);
  if (family === 6) {
    const out = Buffer.alloc(17);
    out[0] = ATYP_IPV6;
    const [head, tail] = host.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
    groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 1 + i * 2));
    return out;
  }
  const name = Buffer.from(host);
  if (name.length > 255) throw new InputError('ERR_BAD_URL', `host name "${host.slice(0, 40)}…" is longer than SOCKS5 allows (255 bytes)`);
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}
