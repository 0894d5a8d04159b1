/**
 * Child processes for the benchmarks: every peer runs in its own process so its RSS can be read
 * from /proc and so no peer shares an event loop with the load generator. Every child is
 * tracked and killed when the bench exits, however it exits.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/helpers/real-servers.js';

export const REPO_ROOT = findRepoRoot();
export const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BENCH_DIST = path.dirname(HERE);
/** 10,000 proxied connections need 20,000+ descriptors in the proxy: more than the usual soft limit. */
const NOFILE = 65_536;

export interface Child {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** Everything the child printed (capped), for error messages and the frame-tap check. */
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('bench: no package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/**
 * Root with CAP_SYS_RESOURCE may raise the hard limit: then children run under prlimit so a
 * proxy can hold every socket. Containers often drop that capability; then every process keeps
 * the inherited limit and the memory section caps its connection count to fit.
 */
const prlimit = existsSync('/usr/bin/prlimit') && spawnSync('/usr/bin/prlimit', [`--nofile=${NOFILE}:${NOFILE}`, '--', 'true']).status === 0 ? '/usr/bin/prlimit' : null;
export const canRaiseNofile = prlimit !== null;

/** The descriptor limit a child gets. */
export function nofileLimit(): number {
  if (prlimit) return NOFILE;
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : 1024;
}

/** The bench process's own (soft) limit: it holds one socket per idle connection. */
export function ownNofileLimit(): number {
  const r = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const n = Number(r.stdout.trim());
  return Number.isFinite(n) ? n : 1024;
}

function launch(name: string, cmd: string, args: string[], cwd = REPO_ROOT): { proc: ChildProcess; output: () => string } {
  const [file, argv] = prlimit ? [prlimit, [`--nofile=${NOFILE}:${NOFILE}`, '--', cmd, ...args]] : [cmd, args];
  // prlimit execs the command, so the pid we get is the peer's own (its RSS is what we read).
  const proc = spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  // Chunks, not a growing string: a traced proxy prints tens of thousands of lines a second, and
  // this process also runs the load generator, so draining must cost next to nothing.
  const chunks: Buffer[] = [];
  let kept = 0;
  const keep = (c: Buffer) => {
    chunks.push(c);
    kept += c.length;
    while (kept > 200_000 && chunks.length > 1) kept -= chunks.shift()!.length;
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  proc.on('error', (err) => keep(Buffer.from(`\nspawn error: ${err.message}\n`)));
  void name;
  return { proc, output: () => Buffer.concat(chunks).toString('utf8') };
}

function stopper(proc: ChildProcess, cleanup?: () => void): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      // Declared before done(): a child that already exited (stopped twice) reaches done() at once.
      const done = () => {
        clearTimeout(timer);
        cleanup?.();
        resolve();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return done();
      timer = setTimeout(() => proc.kill('SIGKILL'), 3_000);
      proc.once('exit', done);
      proc.kill('SIGTERM');
    });
}

/**
 * `BENCH_CPU_PROF=DIR`: wstrace's own processes run with --cpu-prof and write a .cpuprofile to
 * DIR when they stop (open it in Chrome DevTools), to find where a missed target goes.
 */
export function profileFlags(): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

/** A node server that prints `{"event":"listening",…,"port":N}` first (wstrace and our bare peers do). */
export async function startNode(name: string, script: string, args: string[], urlPath = '', nodeFlags: string[] = []): Promise<Child> {
  const { proc, output } = launch(name, process.execPath, [...nodeFlags, script, ...args]);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} printed no listening line within 10 s:\n${output()}`)), 10_000);
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString('utf8');
      for (const line of buf.split('\n').slice(0, -1)) {
        try {
          const ev = JSON.parse(line) as { event?: string; port?: number };
          if (ev.event === 'listening' && typeof ev.port === 'number') return ok(ev.port);
        } catch {
          /* a log line */
        }
      }
    };
    const onExit = () => fail(new Error(`${name} exited before listening:\n${output()}`));
    const cleanup = () => {
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.off('exit', onExit);
    };
    const ok = (p: number) => (cleanup(), resolve(p));
    const fail = (e: Error) => (cleanup(), proc.kill('SIGKILL'), reject(e));
    proc.stdout!.on('data', onData);
    proc.once('exit', onExit);
  });
  return { name, pid: proc.pid!, port, url: `ws://127.0.0.1:${port}${urlPath}`, output, stop: stopper(proc) };
}

/** nginx or HAProxy from a bench config template; `{{PORT}}`, `{{UPSTREAM}}`, `{{PREFIX}}` are filled in. */
export async function startReal(kind: 'nginx' | 'haproxy', upstreamPort: number): Promise<Child> {
  const bin = kind === 'nginx' ? '/usr/sbin/nginx' : '/usr/sbin/haproxy';
  if (!existsSync(bin)) throw new Error(`${kind}: not installed (apt-get install ${kind === 'nginx' ? 'nginx-light' : 'haproxy'})`);
  const template = readFileSync(path.join(REPO_ROOT, 'bench', 'conf', kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg'), 'utf8');
  for (let attempt = 0; ; attempt++) {
    const prefix = mkdtempSync(path.join(os.tmpdir(), `wstrace-bench-${kind}-`));
    const port = await freePort();
    const conf = path.join(prefix, kind === 'nginx' ? 'nginx.conf' : 'haproxy.cfg');
    const nofile = nofileLimit();
    writeFileSync(conf, template.replaceAll('{{PORT}}', String(port)).replaceAll('{{UPSTREAM}}', String(upstreamPort)).replaceAll('{{PREFIX}}', prefix)
      .replaceAll('{{NOFILE}}', String(nofile)).replaceAll('{{MAXCONN}}', String(Math.floor((nofile - 100) / 2))));
    const args = kind === 'nginx' ? ['-p', `${prefix}/`, '-e', path.join(prefix, 'error.log'), '-c', conf] : ['-db', '-f', conf];
    const { proc, output } = launch(kind, bin, args, prefix);
    const cleanup = () => rmSync(prefix, { recursive: true, force: true });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && proc.exitCode === null) {
      if (await accepts(port)) {
        return { name: kind, pid: proc.pid!, port, url: `ws://127.0.0.1:${port}`, output, stop: stopper(proc, cleanup) };
      }
      await sleep(50);
    }
    await stopper(proc, cleanup)();
    if (attempt < 2 && /address already in use/i.test(output())) continue;
    throw new Error(`${kind} did not start:\n${output()}`);
  }
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => end(false), 500);
    const end = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => end(true));
    s.once('error', () => end(false));
  });
}

/** Resident set size of a process, KiB (Linux /proc). */
export function rssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function version(cmd: string, args: string[], pattern: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5_000 });
  return pattern.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
}
