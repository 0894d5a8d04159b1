/**
 * Output that fits a terminal: lines wrapped to the width with hanging indents, colour only on a
 * TTY and never with NO_COLOR or --no-color, one log line per event, a stop line from every
 * server; plus `wstrace completion`, the no-command list and the client's bad inputs.
 */
import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, assertInputError, runCli, startCliServer } from './helpers/cli.js';
import { HAVE_PTY, runOnPty } from './helpers/pty.js';
import { colorize, styleFor, styleText, wrapLine } from '../src/report/terminal.js';

const COLOUR = /\x1b\[(?:1;)?3\dm/;

describe('the terminal sink', () => {
  it('wraps at spaces, continuing under the text after the [  0.007] stamp', () => {
    const line = `[  0.012] upgrade   101 Switching Protocols in 0.9 ms, answered by wstrace endpoint "echo"`;
    const lines = wrapLine(line, 60);
    assert.deepEqual(lines, ['[  0.012] upgrade   101 Switching Protocols in 0.9 ms,', '          answered by wstrace endpoint "echo"']);
  });

  it('continues an unstamped line two columns in from its own indent, and cuts a word longer than the width', () => {
    assert.deepEqual(wrapLine('  evidence: one two three four', 20), ['  evidence: one two', '    three four']);
    assert.deepEqual(wrapLine('x'.repeat(25), 10), ['xxxxxxxxxx', '  xxxxxxxx', '  xxxxxxx']);
    assert.deepEqual(wrapLine(`    K: ${'v'.repeat(12)}`, 10), ['    K:', '     vvvvv', '     vvvvv', '     vv']);
    for (const l of wrapLine(`verdict: ${'word '.repeat(40)}`, 30)) assert.ok(l.length <= 30, l);
  });

  it('cuts a transient line (no newline: redrawn in place) instead of wrapping it', () => {
    assert.equal(styleText(`\r\x1b[2K${'y'.repeat(30)}`, { color: false, width: 10 }), `\r\x1b[2K${'y'.repeat(9)}…`);
  });

  it('colours PASS/WARN/FAIL, ok: and verdict: only where renderers put them', () => {
    assert.equal(colorize('[  0.170] PASS ping  7.3 ms'), '[  0.170] \x1b[32mPASS\x1b[0m ping  7.3 ms');
    assert.equal(colorize('[  0.170] FAIL idle'), '[  0.170] \x1b[31mFAIL\x1b[0m idle');
    assert.equal(colorize('  verdict: half-open: …'), '  \x1b[1;31mverdict:\x1b[0m half-open: …');
    assert.equal(colorize('[  1.000] < a message that says PASS'), '[  1.000] < a message that says PASS');
  });

  it('colour: a TTY, and no NO_COLOR (any non-empty value) and no --no-color; width: columns, else COLUMNS, else 80 on a TTY', () => {
    assert.deepEqual(styleFor({ isTTY: true, columns: 120 }, {}, []), { color: true, width: 120 });
    assert.deepEqual(styleFor({ isTTY: true }, { NO_COLOR: '1' }, []), { color: false, width: 80 });
    assert.deepEqual(styleFor({ isTTY: true }, { NO_COLOR: '' }, []), { color: true, width: 80 });
    assert.deepEqual(styleFor({ isTTY: true, columns: 100 }, {}, ['--no-color']), { color: false, width: 100 });
    assert.deepEqual(styleFor({ isTTY: false }, { COLUMNS: '80' }, []), { color: false, width: 80 });
    assert.deepEqual(styleFor({ isTTY: false }, {}, []), { color: false, width: undefined });
  });
});

test('COLUMNS=80: no human line of client, probe, bisect or demo is longer than 80, and none is coloured when piped', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const proxy = await startCliServer(t, ['proxy', '--target', echo.url.replace(/\/echo$/, ''), '--port', '0', '--json', '--name', 'a-hop-with-a-long-name']);
  const env = { ...process.env, COLUMNS: '80' };
  const runs = [
    ['client', proxy.url, '--inspect', '-H', 'X-Long: ' + 'v'.repeat(120)],
    ['probe', echo.url, '--check', 'handshake', '--check', 'echo', '--check', 'ping'],
    ['bisect', proxy.url, echo.url],
    ['demo'],
  ];
  for (const args of runs) {
    const r = await runCli(args, { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    for (const line of r.stdout.split('\n')) assert.ok(line.length <= 80, `${args[0]}: ${line.length} columns: ${line}`);
    assert.doesNotMatch(r.stdout, /\x1b/, `${args[0]}: no escape codes when piped`);
  }
  await Promise.all([proxy.stop(), echo.stop()]);
});

test('on a terminal PASS is coloured; NO_COLOR=1 and --no-color turn it off', { skip: !HAVE_PTY && 'no python3 for a pty' }, async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const probe = ['probe', echo.url, '--check', 'ping'];
  const plain = { ...process.env, NO_COLOR: '' };
  const runs: [NodeJS.ProcessEnv, string[], boolean][] = [
    [plain, probe, true],
    [{ ...process.env, NO_COLOR: '1' }, probe, false],
    [plain, [...probe, '--no-color'], false],
  ];
  for (const [env, args, coloured] of runs) {
    const pty = runOnPty(t, [process.execPath, CLI, ...args], env);
    assert.equal(await pty.exited, 0, pty.output());
    if (coloured) assert.match(pty.output(), /\x1b\[32mPASS\x1b\[0m ping/);
    else assert.doesNotMatch(pty.output(), COLOUR, `${env.NO_COLOR} ${args.join(' ')}`);
  }
  await echo.stop();
});

test('logs on a terminal: one line per event, its fields inline', { skip: !HAVE_PTY && 'no python3 for a pty' }, async (t) => {
  const pty = runOnPty(t, [process.execPath, CLI, 'echo', '--port', '0'], { ...process.env, NO_COLOR: '1' });
  await pty.expect(/listening on (ws:\/\/\S+)/);
  const url = /listening on (ws:\/\/\S+)/.exec(pty.output())![1]!;
  const r = await runCli(['client', url, '--message', 'x']);
  assert.equal(r.code, 0, r.stderr);
  await pty.expect(/INFO: close/);
  pty.type('\x03');
  assert.equal(await pty.exited, 0, pty.output());
  assert.match(pty.output(), /stopped \(SIGINT\)/);
  assert.match(pty.output(), /^\[[\d:.]+\] INFO: close \{.*"code":1000.*\}\r?$/m, pty.output());
});

test('echo and proxy print a stop line on SIGINT and SIGTERM, as chain does', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0']);
  const proxy = await startCliServer(t, ['proxy', '--target', echo.url.replace(/\/echo$/, ''), '--port', '0']);
  await proxy.stop(undefined, 'SIGTERM');
  await echo.stop();
  assert.match(proxy.stdout(), /\nstopped \(SIGTERM\)\n$/);
  assert.match(echo.stdout(), /\nstopped \(SIGINT\)\n$/);
});

test('wstrace completion prints a shell script; wstrace alone names every command, demo included', async () => {
  const c = await runCli(['completion']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /wstrace --get-yargs-completions/);
  const none = await runCli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^error: name a command: echo, client, proxy, chain, bisect, probe, watch, fault, demo, completion\n$/);
});

const URL_OK = 'ws://127.0.0.1:9/';
const BAD: [string, string[], string | RegExp][] = [
  ['-H without a colon', ['client', URL_OK, '-H', 'X-A 1'], 'bad --header "X-A 1"'],
  ['a bare-number --timeout', ['client', URL_OK, '--timeout', '5'], 'bad --timeout "5": give a unit, e.g. 5s or 5ms'],
  ['a bare-number -w', ['client', URL_OK, '-x', 'hi', '-w', '2'], 'bad --wait "2": give a unit'],
  ['--ping-interval abc', ['client', URL_OK, '-x', 'hi', '--ping-interval', 'abc'], 'bad --ping-interval "abc"'],
  ['--ping-interval 0s', ['client', URL_OK, '-x', 'hi', '--ping-interval', '0s'], 'bad --ping-interval "0s": use more than 0'],
  ['--message @ a missing file', ['client', URL_OK, '--message', '@/no/such/file'], 'cannot read --message "@/no/such/file"'],
  ['-x an unknown slash command', ['client', URL_OK, '-x', '/nope'], 'unknown command "/nope"'],
  ['-x /close with a reserved code', ['client', URL_OK, '-x', '/close 1005'], 'bad command "/close 1005"'],
  ['-x /binary with odd hex', ['client', URL_OK, '-x', '/binary abc'], 'bad command "/binary abc"'],
  ['a URL and -c', ['client', URL_OK, '-c', 'ws://other/'], 'two URLs'],
  ['no URL at all', ['client'], 'name the URL'],
  ['-q with -v', ['client', URL_OK, '-x', 'a', '-q', '-v'], '-q (--quiet) and -v (--verbose) contradict'],
  ['-x with --message', ['client', URL_OK, '-x', 'a', '--message', 'b'], '-x sends its own messages: drop --message'],
];

describe('bad client input: one line echoing what was typed, exit 2, nothing left open', () => {
  for (const [name, args, mention] of BAD) {
    it(name, async () => assertInputError(await runCli(args, { timeoutMs: 10_000 }), mention));
  }
});
