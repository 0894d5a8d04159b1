/**
 * Harness that puts REAL software (nginx, HAProxy, Python `websockets`, Chromium) into
 * wstrace test paths. Everything listens on 127.0.0.1 only, lives in a private temp dir,
 * and is stopped by the caller (stop()) or, as a last resort, when the test process exits.
 *
 * Safety net: each server is started under coreutils `timeout` (when available) in its own
 * process group, so even if the test process is SIGKILLed the server dies after
 * `maxLifetimeMs` (default 10 min).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { Browser } from 'playwright-core';

export type BinaryName = 'nginx' | 'haproxy' | 'chromium' | 'python3-websockets' | 'caddy' | 'apache2' | 'nghttpx' | ForwardProxyName;
/** Forward proxies (test/helpers/forward-proxies.ts); squid is also a reverse proxy (startSquid here). */
export type ForwardProxyName = 'squid' | 'danted' | 'microsocks' | 'mitmdump';
export type NginxVariant = 'good' | 'strips-upgrade' | 'idle-3s' | 'strips-subprotocol' | 'http10' | 'rewrites-origin';
export type NghttpxVariant = 'idle-3s';
export type HaproxyVariant = 'good' | 'tunnel-2s' | 'no-tunnel-timeout' | 'no-healthy-server';
export type CaddyVariant = 'strips-upgrade';
export type ApacheVariant = 'no-wstunnel';
export type SquidVariant = 'no-upgrade';

export interface RealServer {
  /** e.g. "nginx-good", "haproxy-tunnel-2s" */
  name: string;
  port: number;
  /** ws://127.0.0.1:PORT */
  url: string;
  /** private temp dir holding the rendered config, pid file, logs and temp paths */
  prefix: string;
  stop(): Promise<void>;
  /** captured stdout/stderr of the process plus any log files in the prefix */
  logs(): Promise<string>;
}

export interface StartOptions {
  /** The server kills itself after this long no matter what (default 600 000 ms). */
  maxLifetimeMs?: number;
  /** Deadline for the port to accept TCP (default 10 000 ms). */
  readyTimeoutMs?: number;
}

/** Debian package that provides each binary (what .ci/run must apt-get install). */
export const DEBIAN_PACKAGE: Record<BinaryName, string> = {
  nginx: 'nginx-light',
  haproxy: 'haproxy',
  chromium: 'chromium',
  'python3-websockets': 'python3-websockets',
  caddy: 'caddy',
  apache2: 'apache2',
  squid: 'squid',
  danted: 'dante-server',
  microsocks: 'microsocks',
  mitmdump: 'mitmproxy',
  nghttpx: 'nghttp2-proxy',
};

// ---------------------------------------------------------------------------------------
// paths

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'fixtures'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  // compiled layout: dist/test/helpers/real-servers.js -> repo root is ../../..
  return fileURLToPath(new URL('../../../', import.meta.url));
}

export const REPO_ROOT = findRepoRoot();
export const REAL_FIXTURES_DIR = path.join(REPO_ROOT, 'fixtures', 'real');
export const PY_ECHO_CLIENT = path.join(REAL_FIXTURES_DIR, 'py-echo-client.py');

// ---------------------------------------------------------------------------------------
// ports and binaries

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('freePort: could not read the bound port'));
        return;
      }
      const { port } = addr;
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

function isExecutableFile(p: string): boolean {
  try {
    return statSync(p).isFile() && (statSync(p).mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Environment for /usr/bin/python3 without anything a pyenv/venv shell may have set. */
function systemPythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  delete env.VIRTUAL_ENV;
  return env;
}

let pythonWebsocketsCache: string | null | undefined;

export function findBinary(name: BinaryName): string | null {
  switch (name) {
    case 'nginx':
      return isExecutableFile('/usr/sbin/nginx') ? '/usr/sbin/nginx' : onPath('nginx');
    case 'haproxy':
      return isExecutableFile('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : onPath('haproxy');
    case 'caddy':
      return isExecutableFile('/usr/bin/caddy') ? '/usr/bin/caddy' : onPath('caddy');
    case 'apache2':
      return isExecutableFile('/usr/sbin/apache2') ? '/usr/sbin/apache2' : onPath('apache2');
    case 'squid':
      return isExecutableFile('/usr/sbin/squid') ? '/usr/sbin/squid' : onPath('squid');
    case 'nghttpx':
      return isExecutableFile('/usr/sbin/nghttpx') ? '/usr/sbin/nghttpx' : onPath('nghttpx');
    case 'chromium':
      return isExecutableFile('/usr/bin/chromium') ? '/usr/bin/chromium' : null;
    case 'python3-websockets': {
      if (pythonWebsocketsCache !== undefined) return pythonWebsocketsCache;
      const py = '/usr/bin/python3';
      let found: string | null = null;
      if (isExecutableFile(py)) {
        const r = spawnSync(py, ['-c', 'import websockets'], {
          stdio: 'ignore',
          timeout: 15_000,
          env: systemPythonEnv(),
        });
        if (r.status === 0) found = py;
      }
      pythonWebsocketsCache = found;
      return found;
    }
    case 'danted':
      return isExecutableFile('/usr/sbin/danted') ? '/usr/sbin/danted' : onPath('danted');
    case 'microsocks':
    case 'mitmdump':
      return isExecutableFile(`/usr/bin/${name}`) ? `/usr/bin/${name}` : onPath(name);
    default:
      return null;
  }
}

/**
 * Returns the binary path, or (binary missing) fails under CI=true / skips loudly otherwise.
 */
export function requireOrSkip(
  t: Pick<TestContext, 'skip'> | { skip(msg: string): void },
  name: BinaryName,
): string | null {
  const bin = findBinary(name);
  if (bin !== null) return bin;
  const pkg = DEBIAN_PACKAGE[name] ?? name;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but ${name} is not installed: .ci/run must apt-get install ${pkg}`);
  }
  const msg = `${name} not installed: apt-get install ${pkg}`;
  process.stderr.write(`\n!!! SKIPPING real-software test: ${msg} (this test FAILS when CI=true)\n\n`);
  t.skip(msg);
  return null;
}

// ---------------------------------------------------------------------------------------
// process bookkeeping: nothing outlives the test process

interface Tracked {
  child: ChildProcess;
  prefix: string;
}

const live = new Set<Tracked>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached => the child leads its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

function killAllNow(): void {
  for (const tr of live) {
    killGroup(tr.child, 'SIGKILL');
    try {
      rmSync(tr.prefix, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = (): void => {
      killAllNow();
      process.removeListener(sig, handler);
      // Let the default action (or other handlers) take over.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

const MAX_CAPTURE = 1 << 20;

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  hasExited: () => boolean;
}

function spawnServer(bin: string, args: string[], maxLifetimeMs: number, cwd: string, env?: NodeJS.ProcessEnv): Spawned {
  const timeoutBin = isExecutableFile('/usr/bin/timeout') ? '/usr/bin/timeout' : onPath('timeout');
  const lifetimeSec = Math.max(1, Math.ceil(maxLifetimeMs / 1000));
  const [cmd, argv] = timeoutBin
    ? [timeoutBin, ['--kill-after=5', String(lifetimeSec), bin, ...args]]
    : [bin, args];
  const child = spawn(cmd, argv, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env } : {}) });
  let out = '';
  const append = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > MAX_CAPTURE) out = out.slice(out.length - MAX_CAPTURE);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      done = true;
      resolve({ code: null, signal: null, error });
    });
  });
  return { child, output: () => out, exited, hasExited: () => done };
}

function tryConnect(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    }
    sock.once('connect', () => finish(true));
    sock.once('error', () => finish(false));
  });
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function readIfExists(p: string): Promise<string> {
  try {
    return await readFile(p, 'utf8');
  } catch {
    return '';
  }
}

interface ServerSpec {
  kind: 'nginx' | 'haproxy' | 'caddy' | 'apache2' | 'squid' | 'nghttpx';
  variant: string;
  template: string;
  configName: string;
  args: (prefix: string, configPath: string) => string[];
  logFiles: string[];
  /** Extra environment (Caddy's config/data dirs), and a step before the start (permissions). */
  env?: (prefix: string) => Record<string, string>;
  prepare?: (prefix: string) => void;
}

async function startReal(spec: ServerSpec, upstreamPort: number, opts: StartOptions): Promise<RealServer> {
  const bin = findBinary(spec.kind);
  if (bin === null) {
    throw new Error(`${spec.kind} is not installed: apt-get install ${DEBIAN_PACKAGE[spec.kind]}`);
  }
  const template = await readFile(path.join(REAL_FIXTURES_DIR, spec.template), 'utf8');
  return launch(`${spec.kind}-${spec.variant}`, opts, async (prefix, port) => {
    const configPath = path.join(prefix, spec.configName);
    const rendered = template
      .replaceAll('{{LISTEN_PORT}}', String(port))
      .replaceAll('{{UPSTREAM_PORT}}', String(upstreamPort))
      .replaceAll('{{PREFIX}}', prefix);
    await writeFile(configPath, rendered);
    spec.prepare?.(prefix);
    return { bin, args: spec.args(prefix, configPath), logFiles: spec.logFiles, ...(spec.env ? { env: { ...process.env, ...spec.env(prefix) } } : {}) };
  });
}

/** What to run in a fresh private `prefix` listening on `port`. */
type Prepare = (prefix: string, port: number) => Promise<{ bin: string; args: string[]; logFiles: string[]; env?: NodeJS.ProcessEnv }>;

/**
 * Starts one real server process in its own temp dir and process group on a free loopback port,
 * and resolves once the port accepts TCP. A port grabbed by someone else between freePort() and
 * the bind is retried with a fresh one.
 */
export async function launch(name: string, opts: StartOptions, prepare: Prepare): Promise<RealServer> {
  const maxLifetimeMs = opts.maxLifetimeMs ?? 600_000;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 10_000;
  installExitHooks();

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const prefix = mkdtempSync(path.join(os.tmpdir(), `wstrace-${name}-`));
    const port = await freePort();
    const { bin, args, logFiles, env } = await prepare(prefix, port);

    const sp = spawnServer(bin, args, maxLifetimeMs, prefix, env);
    const tracked: Tracked = { child: sp.child, prefix };
    live.add(tracked);

    let stopping: Promise<void> | undefined;
    const collectLogs = async (): Promise<string> => {
      const parts = [`--- ${name} process output ---\n${sp.output()}`];
      for (const f of logFiles) {
        const text = await readIfExists(path.join(prefix, f));
        if (text) parts.push(`--- ${name} ${f} ---\n${text}`);
      }
      return parts.join('\n');
    };
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        if (!sp.hasExited()) {
          killGroup(sp.child, 'SIGTERM');
          if ((await withDeadline(sp.exited, 3_000)) === 'timeout') {
            killGroup(sp.child, 'SIGKILL');
            await withDeadline(sp.exited, 2_000);
          }
        }
        live.delete(tracked);
        await delay(0);
        rmSync(prefix, { recursive: true, force: true });
      })();
      return stopping;
    };

    // Wait for the port to accept TCP, or the process to die, or the deadline.
    const deadline = Date.now() + readyTimeoutMs;
    let ready = false;
    while (Date.now() < deadline && !sp.hasExited()) {
      if (await tryConnect(port, Math.min(500, Math.max(50, deadline - Date.now())))) {
        // Make sure it is OUR process that answered (not a port thief).
        await delay(20);
        ready = !sp.hasExited();
        break;
      }
      await delay(50);
    }
    if (ready) {
      return { name, port, url: `ws://127.0.0.1:${port}`, prefix, stop, logs: collectLogs };
    }

    const exitInfo = sp.hasExited() ? await sp.exited : undefined;
    const logs = await collectLogs();
    await stop();
    const why = exitInfo
      ? `exited early (code ${exitInfo.code}, signal ${exitInfo.signal}${exitInfo.error ? `, ${exitInfo.error.message}` : ''})`
      : `did not accept TCP on 127.0.0.1:${port} within ${readyTimeoutMs} ms`;
    lastError = new Error(`${name} ${why}\n${logs}`);
    if (!/address already in use|cannot bind/i.test(logs)) break;
  }
  throw lastError ?? new Error(`${name} failed to start`);
}

export function startNginx(variant: NginxVariant, upstreamPort: number, opts: StartOptions = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'nginx',
      variant,
      template: `nginx-${variant}.conf`,
      configName: 'nginx.conf',
      // -e: error log before the config is read (avoid the compiled-in system path).
      args: (prefix, conf) => ['-p', `${prefix}/`, '-e', path.join(prefix, 'error.log'), '-c', conf],
      logFiles: ['error.log', 'access.log'],
    },
    upstreamPort,
    opts,
  );
}

export function startHaproxy(
  variant: HaproxyVariant,
  upstreamPort: number,
  opts: StartOptions = {},
): Promise<RealServer> {
  return startReal(
    {
      kind: 'haproxy',
      variant,
      template: `haproxy-${variant}.cfg`,
      configName: 'haproxy.cfg',
      // -db: foreground, no master/worker -- the process is the proxy; logs go to stderr.
      args: (_prefix, conf) => ['-db', '-f', conf],
      logFiles: [],
    },
    upstreamPort,
    opts,
  );
}

export function startNghttpx(variant: NghttpxVariant, upstreamPort: number, opts: StartOptions = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'nghttpx',
      variant,
      template: `nghttpx-${variant}.conf`,
      configName: 'nghttpx.conf',
      args: (_prefix, conf) => [`--conf=${conf}`],
      logFiles: ['error.log', 'access.log'],
    },
    upstreamPort,
    opts,
  );
}

/** Caddy with its admin endpoint off and every file it writes (storage, autosave) in the prefix. */
export function startCaddy(variant: CaddyVariant, upstreamPort: number, opts: StartOptions = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'caddy',
      variant,
      template: `caddy-${variant}.Caddyfile`,
      configName: 'Caddyfile',
      args: (_prefix, conf) => ['run', '--config', conf, '--adapter', 'caddyfile'],
      logFiles: [],
      env: (prefix) => ({ HOME: prefix, XDG_CONFIG_HOME: path.join(prefix, 'config'), XDG_DATA_HOME: path.join(prefix, 'data') }),
    },
    upstreamPort,
    opts,
  );
}

/** Apache httpd in one foreground process (-X), modules loaded from Debian's module dir. */
export function startApache(variant: ApacheVariant, upstreamPort: number, opts: StartOptions = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'apache2',
      variant,
      template: `apache-${variant}.conf`,
      configName: 'httpd.conf',
      args: (prefix, conf) => ['-X', '-d', prefix, '-f', conf],
      logFiles: ['error.log'],
    },
    upstreamPort,
    opts,
  );
}

/** squid in the foreground (-N); it drops root for its unprivileged user, so the prefix is opened up. */
export function startSquid(variant: SquidVariant, upstreamPort: number, opts: StartOptions = {}): Promise<RealServer> {
  return startReal(
    {
      kind: 'squid',
      variant,
      template: `squid-${variant}.conf`,
      configName: 'squid.conf',
      args: (_prefix, conf) => ['-N', '-f', conf],
      logFiles: ['cache.log', 'access.log'],
      prepare: (prefix) => chmodSync(prefix, 0o777),
    },
    upstreamPort,
    opts,
  );
}

// ---------------------------------------------------------------------------------------
// Python websockets application server (fixtures/real/py-app-server.py)

export type PyAppMode = 'greeter' | 'silent' | 'subprotocol' | 'max-size' | 'origin';
export const PY_APP_SERVER = path.join(REAL_FIXTURES_DIR, 'py-app-server.py');

/** A real app at the end of the path: greets, stays silent, requires a subprotocol, or caps sizes. */
export function startPyApp(mode: PyAppMode, arg?: string, opts: StartOptions = {}): Promise<RealServer> {
  const py = findBinary('python3-websockets');
  if (py === null) return Promise.reject(new Error('python3-websockets is not installed: apt-get install python3-websockets'));
  return launch(`py-${mode}`, opts, async (_prefix, port) => ({
    bin: py, args: [PY_APP_SERVER, String(port), mode, ...(arg === undefined ? [] : [arg])], logFiles: [],
    env: systemPythonEnv({ PYTHONUNBUFFERED: '1' }),
  }));
}

// ---------------------------------------------------------------------------------------
// Python websockets client

export interface PythonClientResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** true if the harness had to kill the client at timeoutMs */
  timedOut: boolean;
}

export function runPythonClient(url: string, messages: string[], timeoutMs: number): Promise<PythonClientResult> {
  const py = findBinary('python3-websockets');
  if (py === null) {
    return Promise.reject(new Error('python3-websockets is not installed: apt-get install python3-websockets'));
  }
  // Per-operation timeout inside the script, well under the hard kill.
  const perOp = Math.max(0.5, timeoutMs / 1000 / 3).toFixed(2);
  return new Promise((resolve) => {
    const child = spawn(py, [PY_ECHO_CLIENT, url, ...messages], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: systemPythonEnv({ WSTRACE_PY_TIMEOUT: perOp, PYTHONUNBUFFERED: '1' }),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    let settled = false;
    const finish = (code: number | null, extra = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr: stderr + extra, timedOut });
    };
    child.once('error', (err) => finish(null, `\nspawn error: ${err.message}`));
    child.once('close', (code) => finish(code));
  });
}

// ---------------------------------------------------------------------------------------
// Chromium via playwright-core

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumOptions {
  /** launch deadline (default 30 000 ms) */
  launchTimeoutMs?: number;
  /** deadline for fn; on expiry the browser is closed and the promise rejects (default 60 000 ms) */
  timeoutMs?: number;
}

export async function withChromium<T>(fn: (browser: Browser) => Promise<T>, opts: ChromiumOptions = {}): Promise<T> {
  const executablePath = findBinary('chromium');
  if (executablePath === null) throw new Error('chromium is not installed: apt-get install chromium');
  const { chromium } = await import('playwright-core');
  // launch() uses a fresh temporary profile (user-data-dir) that it deletes on close.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: opts.launchTimeoutMs ?? 30_000,
    handleSIGINT: true,
    handleSIGTERM: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return await Promise.race([
      fn(browser),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`withChromium: fn did not finish within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await withDeadline(
      browser.close().catch(() => undefined),
      10_000,
    );
  }
}
