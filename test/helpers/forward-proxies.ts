/**
 * Real forward proxies from Debian for the reach tests: squid (HTTP CONNECT, basic auth, the
 * stock SSL_ports rule), dante and microsocks (SOCKS5), mitmdump (a TLS-inspecting proxy).
 * Built on real-servers.ts `launch`: own process group, private temp dir, loopback port,
 * readiness by connect, killed with the test process.
 */
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { findBinary, launch, REAL_FIXTURES_DIR, DEBIAN_PACKAGE, type ForwardProxyName, type RealServer, type StartOptions } from './real-servers.js';

/** Our environment without any proxy variable, plus `extra`: the machine's own settings must not leak in. */
export function proxyEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return { ...env, ...extra };
}

const isRoot = () => process.getuid?.() === 0;

function binary(name: ForwardProxyName): string {
  const bin = findBinary(name);
  if (bin === null) throw new Error(`${name} is not installed: apt-get install ${DEBIAN_PACKAGE[name]}`);
  return bin;
}

/** fixtures/real/NAME with {{KEY}} replaced; the prefix opened up when the server drops root (squid, dante) and must write there. */
async function render(template: string, prefix: string, vars: Record<string, string>): Promise<string> {
  let text = await readFile(path.join(REAL_FIXTURES_DIR, template), 'utf8');
  for (const [k, v] of Object.entries({ ...vars, PREFIX: prefix })) text = text.replaceAll(`{{${k}}}`, v);
  const file = path.join(prefix, template);
  await writeFile(file, text);
  if (isRoot()) chmodSync(prefix, 0o777);
  return file;
}

export interface SquidOptions extends StartOptions {
  /** Ports CONNECT may reach besides 443 (squid's stock rule: `http_access deny CONNECT !SSL_ports`). */
  sslPorts: number[];
  /** Require basic auth: user `alice`, password `wonderland` (fixtures/real/squid-users). */
  auth?: boolean;
  /** Serve the proxy itself over TLS (squid https_port): an https:// proxy. */
  tls?: { cert: string; key: string };
}

export const SQUID_USER = { name: 'alice', password: 'wonderland' };

export function startForwardSquid(o: SquidOptions): Promise<RealServer> {
  const bin = binary('squid');
  return launch(`squid-${o.auth ? 'auth' : o.tls ? 'tls' : 'open'}`, o, async (prefix, port) => {
    // squid drops root before it reads its certificate: copies it can read.
    for (const [name, from] of [['users', path.join(REAL_FIXTURES_DIR, 'squid-users')], ['cert.pem', o.tls?.cert], ['key.pem', o.tls?.key]] as const) {
      if (!from) continue;
      copyFileSync(from, path.join(prefix, name));
      chmodSync(path.join(prefix, name), 0o644);
    }
    const conf = await render('squid.conf', prefix, {
      LISTEN_PORT: String(port),
      LISTEN: o.tls ? 'https_port' : 'http_port',
      LISTEN_TLS: o.tls ? ` tls-cert=${prefix}/cert.pem tls-key=${prefix}/key.pem` : '',
      SSL_PORTS: o.sslPorts.join(' '),
      USER: isRoot() ? 'cache_effective_user proxy' : '',
      AUTH: o.auth
        ? [
            `auth_param basic program /usr/lib/squid/basic_ncsa_auth ${prefix}/users`,
            'auth_param basic realm wstrace test proxy',
            'acl authenticated proxy_auth REQUIRED',
          ].join('\n')
        : '',
      AUTH_ACCESS: o.auth ? 'http_access deny !authenticated' : '',
    });
    // -N: foreground, no daemon; the config names every path inside the prefix.
    return { bin, args: ['-N', '-f', conf], logFiles: ['access.log', 'cache.log'] };
  });
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
  const bin = binary('danted');
  return launch('danted', o, async (prefix, port) => {
    const conf = await render('danted.conf', prefix, {
      LISTEN_PORT: String(port), BLOCKED_PORT: String(o.blockedPort), USER: isRoot() ? 'user.unprivileged: nobody' : '',
    });
    return { bin, args: ['-f', conf, '-p', path.join(prefix, 'danted.pid')], logFiles: [] };
  });
}

export function startMicrosocks(o: StartOptions & { user?: string; password?: string } = {}): Promise<RealServer> {
  const bin = binary('microsocks');
  return launch('microsocks', o, async (_prefix, port) => ({
    bin, args: ['-i', '127.0.0.1', '-p', String(port), ...(o.user ? ['-u', o.user, '-P', o.password ?? ''] : [])], logFiles: [],
  }));
}

/**
 * mitmdump as a TLS-inspecting forward proxy: it answers CONNECT, re-signs the target's
 * certificate with its own CA (created in the prefix) and relays WebSockets. It trusts any
 * upstream certificate (ssl_insecure), as the test echo's is self-signed.
 */
export async function startMitmdump(o: StartOptions = {}): Promise<RealServer & { caFile: string }> {
  const bin = binary('mitmdump');
  const server = await launch('mitmdump', { readyTimeoutMs: 30_000, ...o }, async (prefix, port) => ({
    bin,
    args: ['--listen-host', '127.0.0.1', '--listen-port', String(port), '--set', `confdir=${prefix}`, '--set', 'ssl_insecure=true', '-q'],
    logFiles: [],
  }));
  return { ...server, caFile: path.join(server.prefix, 'mitmproxy-ca-cert.pem') };
}
