/**
 * Progress lines: once per second on stderr, only when stderr is a terminal. A pseudo-terminal
 * from Python's pty module stands in for the user's terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI, REPO_ROOT, startCliServer } from './helpers/cli.js';

const PY = '/usr/bin/python3';
// Runs argv[1:] on a pty (stdin, stdout and stderr all a terminal) and copies its output.
const PTY_RUN = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

test('a load run longer than a second prints progress on a terminal, about once per second', { skip: !existsSync(PY) && 'no python3 for a pty' }, async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(PY, ['-c', PTY_RUN, process.execPath, CLI, 'client', echo.url, '--concurrency', '2', '--duration', '2.5s'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, text });
    });
  });
  assert.equal(out.code, 0, out.text);
  const progress = out.text.split(/\r?\n/).filter((l) => /^\[\s*\d+\.\d{3}\] progress  \S/.test(l));
  assert.ok(progress.length >= 1 && progress.length <= 3, `1 to 3 progress lines in a 2.5 s run:\n${out.text}`);
  assert.match(progress[0]!, /\d+ echoed, [\d,]+\/s, 2 open, 0 errors, p50 \d+\.\d{3} ms, p99 \d+\.\d{3} ms$/);
  assert.match(out.text, /^(?:\x1b\[32m)?ok:(?:\x1b\[0m)? every connection upgraded/m);
});
