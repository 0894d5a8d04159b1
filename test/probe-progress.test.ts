/**
 * On a terminal, long probe checks show a transient "waiting on …" line at least every 2 s
 * (here under a real pseudo-terminal from util-linux `script`); piped or --json output has none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CLI, REPO_ROOT, runCli, startCliServer } from './helpers/cli.js';

function underPty(args: string[], ms: number): Promise<string> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

test('probe on a TTY: a progress line at least every 2 s while a long check waits; none when piped', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--timeout', '3s', '--json']);
  const args = ['probe', echo.url, '--check', 'unanswered-close', '--max-wait', '3s'];
  const tty = await underPty(args, 20_000);
  const stamps = [...tty.matchAll(/\[\s*(\d+\.\d{3})\] …\s+waiting on unanswered-close/g)].map((m) => Number(m[1]));
  assert.ok(stamps.length >= 2, tty);
  const times = [0, ...stamps, Number(/\[\s*(\d+\.\d{3})\] (?:\x1b\[32m)?PASS(?:\x1b\[0m)? unanswered-close/.exec(tty)?.[1])];
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! <= 2.0, `gap before ${times[i]} s: ${tty}`);
  assert.match(tty, /\r\x1b\[2K\[\s*\d+\.\d{3}\] (?:\x1b\[32m)?PASS(?:\x1b\[0m)? unanswered-close/, 'the row replaces the progress line');

  const piped = await runCli(args, { timeoutMs: 20_000 });
  assert.equal(piped.code, 0, piped.stdout + piped.stderr);
  assert.doesNotMatch(piped.stdout, /waiting on|\x1b/);
  await echo.stop();
});
