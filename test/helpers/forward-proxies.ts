/**
 * Real forward proxies from Debian for the reach tests: squid (HTTP CONNECT, basic auth, the
 * stock SSL_ports rule), dante and microsocks (SOCKS5), mitmdump (a TLS-inspecting proxy).
 * Built on real-servers.ts: own process group, private temp dir, loopback port, readiness by
 * connect, killed with the test process.
 */
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REAL_FIXTURES_DIR, startReal, type RealServer, type StartOptions } from './real-servers.js';

/** Our environment without any proxy variable, plus `extra`: the machine's own settings must not leak in. */
export function proxyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return { ...env, ...extra };
}

const isRoot = () => process.getuid?.() === 0;

/** A server that drops root (squid, dante) must be able to write its logs into the prefix. */
function openPrefix(prefix: string): void {
  if (isRoot()) chmodSync(prefix, 0o777);
}

export interface SquidOptions extends StartOptions {
  /** Ports CONNECT may reach besides 443 (squid's stock rule: `http_access deny CONNECT !SSL_ports`). */
  sslPorts: number[];
  /** Require basic auth: user `alice`, password `wonderland` (fixtures/real/squid-users). */
  auth?: boolean;
}

export const SQUID_USER = { name: 'alice', password: 'wonderland' };

export function startSquid(o: SquidOptions): Promise<RealServer> {
  return startReal(
    {
      kind: 'squid',
      variant: o.auth ? 'auth' : 'open',
      template: 'squid.conf',
      configName: 'squid.conf',
      vars: {
        SSL_PORTS: o.sslPorts.join(' '),
        USER: isRoot() ? 'cache_effective_user proxy' : '',
        AUTH: o.auth
          ? [
              'auth_param basic program /usr/lib/squid/basic_ncsa_auth {{PREFIX}}/users',
              'auth_param basic realm wstrace test proxy',
              'acl authenticated proxy_auth REQUIRED',
            ].join('\n')
          : '',
        AUTH_ACCESS: o.auth ? 'http_access deny !authenticated' : '',
      },
      prepare: (prefix) => {
        copyFileSync(path.join(REAL_FIXTURES_DIR, 'squid-users'), path.join(prefix, 'users'));
        chmodSync(path.join(prefix, 'users'), 0o644);
        openPrefix(prefix);
      },
      // -N: foreground, no daemon; the config names every path inside the prefix.
      args: (_prefix, conf) => ['-N', '-f', conf],
      logFiles: ['access.log', 'cache.log'],
    },
    0,
    o,
  );
}

/** squid's access log: one line per CONNECT (TCP_TUNNEL/200, TCP_DENIED/403, TCP_DENIED/407…). */
export function squidAccessLog(squid: RealServer): string {
  try {
    return readFileSync(path.join(squid.prefix, 'access.log'), 'utf8');
  } catch {
    return '';
  }
}

export interface DanteOptions extends StartOptions {
  /** A destination port the rules block (`socks block { … port = N }`). */
  blockedPort: number;
}

export function startDante(o: DanteOptions): Promise<RealServer> {
  return startReal(
    {
      kind: 'danted',
      variant: 'socks5',
      template: 'danted.conf',
      configName: 'danted.conf',
      vars: { BLOCKED_PORT: String(o.blockedPort), USER: isRoot() ? 'user.unprivileged: nobody' : '' },
      prepare: openPrefix,
      args: (prefix, conf) => ['-f', conf, '-p', path.join(prefix, 'danted.pid')],
      logFiles: [],
    },
    0,
    o,
  );
}

export function startMicrosocks(o: StartOptions & { user?: string; password?: string } = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'microsocks',
      variant: o.user ? 'auth' : 'open',
      configName: 'none',
      args: (_prefix, _conf, port) => ['-i', '127.0.0.1', '-p', String(port), ...(o.user ? ['-u', o.user, '-P', o.password ?? ''] : [])],
      logFiles: [],
    },
    0,
    o,
  );
}

/**
 * mitmdump as a TLS-inspecting forward proxy: it answers CONNECT, re-signs the target's
 * certificate with its own CA (created in the prefix) and relays WebSockets. It trusts any
 * upstream certificate (ssl_insecure), as the test echo's is self-signed.
 */
export async function startMitmdump(o: StartOptions = {}): Promise<RealServer & { caFile: string }> {
  const server = await startReal(
    {
      kind: 'mitmdump',
      variant: 'inspect',
      configName: 'none',
      args: (prefix, _conf, port) => [
        '--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${prefix}`, '--set', 'ssl_insecure=true', '-q',
      ],
      logFiles: [],
    },
    0,
    { readyTimeoutMs: 30_000, ...o },
  );
  return { ...server, caFile: path.join(server.prefix, 'mitmproxy-ca-cert.pem') };
}
