/**
 * Drives the real `wstrace` binary (dist/src/cli/main.js) the way a user does: one-shot commands
 * run to exit under a hard deadline; servers are started, awaited until their first
 * `listening` line, and stopped with SIGINT, which must make them exit BY THEMSELVES (a leaked
 * socket or timer shows up as a process that does not exit). Every child is registered with the
 * test context and killed in `t.after` if a test fails half-way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { escapeControls } from '../../src/cli/fatal.js';
import { REPO_ROOT } from './repo-root.js';
import { parseEvents, type Ev } from './json-events.js';

export type { Ev };

export { REPO_ROOT };
export const CLI = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  /** The arguments it ran with. */
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** The deadline expired and the child was SIGKILLed. */
  timedOut: boolean;
}

// Last resort: whatever a failed test left running dies with the test process.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface RunOptions {
  /** Hard deadline; the child is SIGKILLed after it (default 20 s). */
  timeoutMs?: number;
  /** Called with each complete stdout line as it arrives (to react mid-run). */
  onLine?: (line: string) => void;
  /** Environment of the child (default: ours). */
  env?: NodeJS.ProcessEnv;
}

/** Runs `wstrace ARGS` to completion (or to the deadline). Never rejects. */
export function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const t0 = performance.now();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.env ? { env: opts.env } : {}) });
    track(child);
    let stdout = '';
    let stderr = '';
    let partial = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!opts.onLine) return;
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        opts.onLine(line);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
  });
}

/** Every stdout line must be one JSON object that docs/events.schema.json accepts. */
export function ndjson(stdout: string): Ev[] {
  return parseEvents(stdout);
}

/** The single `result` event a judging command ends with. */
export function resultOf(stdout: string): Ev & { ok: boolean; verdict?: { code: string; summary: string; evidence: string[]; next: string } } {
  const events = ndjson(stdout);
  const results = events.filter((e) => e.event === 'result');
  assert.equal(results.length, 1, `expected exactly one result event, got ${results.length}:\n${stdout}`);
  assert.equal(events.at(-1)?.event, 'result', 'result must be the last event');
  return results[0] as ReturnType<typeof resultOf>;
}

/** A usage/input error: exit 2, exactly one `error: …` line on stderr naming `mention`, no stack. */
export function assertInputError(r: CliResult, mention: string | RegExp): void {
  const ctx = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.timedOut, false, `timed out\n${ctx}`);
  assert.equal(r.code, 2, ctx);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one stderr line\n${ctx}`);
  assert.match(lines[0]!, /^error: /, ctx);
  if (typeof mention === 'string') assert.ok(lines[0]!.includes(mention), `stderr should name ${JSON.stringify(mention)}\n${ctx}`);
  else assert.match(lines[0]!, mention, ctx);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace on stderr\n${ctx}`);
  if (!r.args.includes('--json')) {
    assert.equal(r.stdout, '', `a refused command prints nothing on stdout\n${ctx}`);
    return;
  }
  // Under --json the error is also the one line on stdout: an `error` event with the same message.
  const events = ndjson(r.stdout);
  assert.equal(events.length, 1, `a refused command prints one error event on stdout\n${ctx}`);
  const ev = events[0]!;
  assert.deepEqual(Object.keys(ev).sort(), ['code', 'event', 'exitCode', 'message'], ctx);
  assert.deepEqual([ev.event, ev.exitCode], ['error', 2], ctx);
  assert.equal(`error: ${escapeControls(String(ev.message))}`, lines[0], ctx);
  assert.match(String(ev.code), /^ERR_[A-Z0-9_]+$/, ctx);
}

/**
 * A server must exit by itself this soon after SIGINT. It needs well under a second (its grace
 * period is 500 ms); the rest is headroom for a loaded 2-core machine. A leaked handle never exits.
 */
export const STOP_WITHIN_MS = 3_000;

/** Stops every server given (even when one fails), then reports the first failure. */
export async function stopAll(...servers: (CliServer | undefined)[]): Promise<void> {
  const results = await Promise.allSettled(servers.filter((s): s is CliServer => s !== undefined).map((s) => s.stop()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export interface CliServer {
  child: ChildProcess;
  /** The first stdout line, exactly as printed. */
  firstLine: string;
  /** The `listening` event when started with --json. */
  listening: Ev | undefined;
  /** The URL it listens on (from the JSON event or the human line). */
  url: string;
  /** Port of `url`. */
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit (code, signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * SIGINT (or `signal`), then the process must exit by itself with code 0 within `withinMs`
   * (default STOP_WITHIN_MS); rejects (after SIGKILLing it) if it hangs. Returns how long it took.
   */
  stop(withinMs?: number, signal?: NodeJS.Signals): Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts `wstrace ARGS` as a server and resolves on its first stdout line (the `listening`
 * line, which must come first). Registers a kill in `t.after` in case the test fails (suites
 * that share a server across tests pass undefined and stop it in their `after` hook).
 */
export async function startCliServer(t: Pick<TestContext, 'after'> | undefined, args: string[], readyMs = 10_000): Promise<CliServer> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  t?.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no listening line within ${readyMs} ms; stderr: ${err}`)), readyMs);
    const onData = () => {
      const nl = out.indexOf('\n');
      if (nl >= 0) done(undefined, out.slice(0, nl));
    };
    const onExit = (code: number | null) => done(new Error(`exited ${code} before listening; stderr: ${err}`));
    function done(e: Error | undefined, line?: string) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (e) {
        // A server that never said it listens is of no use, and one started for a shared suite
        // (no `t`) would otherwise outlive the failed hook and keep this test process alive forever.
        child.kill('SIGKILL');
        reject(e);
      } else resolve(line!);
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
  let listening: Ev | undefined;
  let url: string;
  if (args.includes('--json')) {
    listening = parseEvents(firstLine)[0]!;
    assert.equal(listening.event, 'listening', `first line must be the listening event: ${firstLine}`);
    url = String(listening.url);
  } else {
    const m = /\b(wss?:\/\/\S+)/.exec(firstLine);
    assert.ok(m, `first line names no URL: ${firstLine}`);
    url = m[1]!;
  }
  const port = Number(new URL(url).port);
  return {
    child,
    firstLine,
    listening,
    url,
    port,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    async stop(withinMs = STOP_WITHIN_MS, signal: NodeJS.Signals = 'SIGINT') {
      const t0 = performance.now();
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server already exited (${child.exitCode ?? child.signalCode}); stderr: ${err}`);
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), withinMs)));
      const r = await Promise.race([exited, hung]);
      clearTimeout(timer);
      if (r === 'hung') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`did not exit by itself within ${withinMs} ms of ${signal} (a leaked handle?); stderr: ${err}`);
      }
      assert.equal(r.code, 0, `exit code after ${signal}; stderr: ${err}`);
      return performance.now() - t0;
    },
  };
}

/** Resolves when `pred()` holds, polling; rejects with `what` after `ms`. */
export async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
