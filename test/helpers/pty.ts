/**
 * Runs a command on a real pseudo-terminal (Python's pty module) so a test can type into it:
 * `type()` writes to the terminal as a keyboard would, `output()` is everything it printed
 * (echo of the typed keys included). The terminal is 80 columns wide. Killed at `timeoutMs`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { REPO_ROOT, waitFor } from './cli.js';

export const PY = '/usr/bin/python3';
export const HAVE_PTY = existsSync(PY);

// Relays our stdin to the pty and the pty to our stdout; exits with the child's status.
const RELAY = `
import os, pty, sys, select, fcntl, termios, struct
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
stdin_open = True
while True:
    r, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        os.write(1, data)
    if 0 in r:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

export interface PtyRun {
  child: ChildProcess;
  type(keys: string): void;
  output(): string;
  /** Resolves when the output matches `re` (searching only after `from`), else rejects after `ms`. */
  expect(re: RegExp, ms?: number, from?: number): Promise<void>;
  exited: Promise<number | null>;
}

export function runOnPty(t: Pick<TestContext, 'after'>, argv: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): PtyRun {
  const child = spawn(PY, ['-c', RELAY, ...argv], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
    clearTimeout(timer);
    resolve(code);
  }));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    type: (keys) => void child.stdin!.write(keys),
    output: () => out,
    expect: (re, ms = 10_000, from = 0) =>
      waitFor(() => re.test(out.slice(from)), ms, `${re} in the terminal output`).catch((e: Error) => {
        throw new Error(`${e.message}:\n${JSON.stringify(out)}`);
      }),
    exited,
  };
}
