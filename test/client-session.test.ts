/**
 * The everyday client, driven as people drive it: typing at a real pseudo-terminal, piping
 * stdin, `-x` one-liners; against `wstrace echo` and against a peer we did not write (Python
 * websockets), which reports the close code and reason it received.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { CLI, REPO_ROOT, runCli, startCliServer, waitFor, type CliResult } from './helpers/cli.js';
import { HAVE_PTY, PY, runOnPty } from './helpers/pty.js';
import { parseEvents } from './helpers/json-events.js';
import type { TestContext } from 'node:test';

interface PyPeer {
  url: string;
  closes: { closed: number; reason: string }[];
  stop(): Promise<void>;
}

/** The Python websockets echo in fixtures/: its URL and the closes it saw. */
async function startPythonPeer(t: TestContext): Promise<PyPeer> {
  const child = spawn(PY, [path.join(REPO_ROOT, 'fixtures', 'py-ws-server.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    let nl: number;
    while ((nl = partial.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(partial.slice(0, nl)) as Record<string, unknown>);
      partial = partial.slice(nl + 1);
    }
  });
  await waitFor(() => lines.some((l) => 'listening' in l), 10_000, 'the python websockets server to listen');
  const port = Number(lines.find((l) => 'listening' in l)!.listening);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: `ws://127.0.0.1:${port}/`,
    get closes() {
      return lines.filter((l) => 'closed' in l) as { closed: number; reason: string }[];
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `wstrace ARGS` with `input` on a piped stdin (pipe mode), to exit under a deadline. */
function runPiped(args: string[], input: string | Buffer, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 20_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ args, code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
    child.stdin.end(input);
  });
}

const NO_COLOR_ENV = { ...process.env, NO_COLOR: '' };
const COLOUR = /\x1b\[(?:1;)?3\dm/;

test('interactive on a terminal: messages both ways, /ping shows an RTT, a typo is answered, /close 4000 bye reaches the peer', { skip: !HAVE_PTY && 'no python3 for a pty' }, async (t) => {
  const peer = await startPythonPeer(t);
  const pty = runOnPty(t, [process.execPath, CLI, 'client', peer.url], NO_COLOR_ENV);
  await pty.expect(/Ctrl-D closes\r?\n[^]*> /);
  let from = pty.output().length;
  pty.type('hello from a keyboard\r');
  await pty.expect(/\[\s*\d+\.\d{3}\] > hello from a keyboard/, 10_000, from);
  await pty.expect(/\[\s*\d+\.\d{3}\] < hello from a keyboard/, 10_000, from);
  from = pty.output().length;
  pty.type('/ping\r');
  await pty.expect(/\[\s*\d+\.\d{3}\] pong in \d+\.\d ms/, 10_000, from);
  from = pty.output().length;
  pty.type('/nope\r');
  await pty.expect(/error: unknown command "\/nope": use \/ping/, 10_000, from);
  pty.type('/close 4000 bye\r');
  assert.equal(await pty.exited, 0, pty.output());
  assert.match(pty.output(), /close\s+4000 Private Use \(application\) answered in \d+\.\d ms/);
  assert.match(pty.output().replace(/\x1b\[[\d;]*m/g, ''), /ok: ws:\/\/127\.0\.0\.1:\d+\/: 1 sent, 1 received, closed 4000/);
  await waitFor(() => peer.closes.length === 1, 5_000, 'the peer to report the close');
  assert.deepEqual(peer.closes[0], { closed: 4000, reason: 'bye' });
  // On a terminal with NO_COLOR unset, the verdict words are coloured.
  assert.match(pty.output(), /\x1b\[32mok:\x1b\[0m/);
  await peer.stop();
});

test('interactive: Ctrl-C closes with 1000 and a bounded wait; NO_COLOR=1 keeps the terminal colourless', { skip: !HAVE_PTY && 'no python3 for a pty' }, async (t) => {
  const peer = await startPythonPeer(t);
  const pty = runOnPty(t, [process.execPath, CLI, 'client', peer.url], { ...process.env, NO_COLOR: '1' });
  await pty.expect(/Ctrl-D closes\r?\n[^]*> /);
  pty.type('\x03');
  assert.equal(await pty.exited, 0, pty.output());
  assert.match(pty.output(), /close\s+1000 Normal Closure answered/);
  assert.doesNotMatch(pty.output(), COLOUR, 'NO_COLOR=1: no colour codes');
  await waitFor(() => peer.closes.length === 1, 5_000, 'the peer to report the close');
  assert.equal(peer.closes[0]!.closed, 1000);
  await peer.stop();
});

test('interactive /inspect masks Authorization and Cookie even from an endpoint that shows them; --show-secrets shows them', { skip: !HAVE_PTY && 'no python3 for a pty' }, async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--show-secrets']);
  for (const show of [false, true]) {
    const args = ['client', echo.url, '-H', 'Authorization: Bearer sekrit-token', '-H', 'Cookie: sid=sekrit', ...(show ? ['--show-secrets'] : [])];
    const pty = runOnPty(t, [process.execPath, CLI, ...args], NO_COLOR_ENV);
    await pty.expect(/Ctrl-D closes\r?\n[^]*> /);
    pty.type('/inspect\r');
    await pty.expect(/via chain:/);
    pty.type('\x04');
    assert.equal(await pty.exited, 0, pty.output());
    if (show) assert.match(pty.output(), /Authorization: Bearer sekrit-token/);
    else {
      assert.match(pty.output(), /Authorization: \[redacted: 19 bytes\]/);
      assert.match(pty.output(), /Cookie: \[redacted: 10 bytes\]/);
      assert.doesNotMatch(pty.output(), /sekrit/);
    }
  }
  await echo.stop();
});

test('pipe mode: each stdin line is a message, the replies come back on stdout one per line, diagnostics stay off stdout', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const peer = await startPythonPeer(t);
  for (const url of [echo.url, peer.url]) {
    const r = await runPiped(['client', url], 'first\nsecond line\n{"a":1}\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'first\nsecond line\n{"a":1}\n');
    assert.equal(r.stderr, '');
  }
  // -v: the timeline on stderr, stdout unchanged.
  const v = await runPiped(['client', echo.url, '-v'], 'x\n');
  assert.equal(v.stdout, 'x\n');
  assert.match(v.stderr, /upgrade\s+101 Switching Protocols/);
  assert.match(v.stderr, /\[\s*\d+\.\d{3}\] > x/);
  // --binary: each chunk is one binary message; the reply's bytes come back as they are.
  const bytes = Buffer.from([0, 1, 2, 0xff, 0x0a]);
  const b = await runPiped(['client', echo.url, '--binary'], bytes);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(Buffer.from(b.stdout, 'latin1').length, 5);
  await waitFor(() => peer.closes.length === 1, 5_000, 'the peer to report the close');
  assert.equal(peer.closes[0]!.closed, 1000, 'pipe mode ends with a close frame');
  await Promise.all([echo.stop(), peer.stop()]);
});

test('-x one-liners, as with wscat: -x -, repeated -x with slash commands, -c URL, @FILE; --exit-on-eof does not wait', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const one = await runPiped(['client', echo.url, '-x', '-'], '{"a":1}\n');
  assert.equal(one.code, 0, one.stderr);
  assert.equal(one.stdout, '{"a":1}\n');
  const many = await runCli(['client', '-c', echo.url, '-x', 'one', '-x', '/ping', '-x', 'two']);
  assert.equal(many.code, 0, many.stderr);
  assert.match(many.stdout, /^one\n\[\s*\d+\.\d{3}\] pong in \d+\.\d ms\ntwo\n$/);
  const file = path.join(REPO_ROOT, 'package.json');
  const fromFile = await runCli(['client', echo.url, '--message', `@${file}`, '--json']);
  assert.equal(fromFile.code, 0, fromFile.stdout);
  assert.match(fromFile.stdout, /"event":"echo".*"ok":true/);
  const eof = await runPiped(['client', echo.url, '-x', '-', '--exit-on-eof', '--json'], 'gone\n');
  assert.equal(eof.code, 0, eof.stderr);
  assert.ok(parseEvents(eof.stdout).some((e) => e.event === 'send' && e.text === 'gone'), eof.stdout);
  // A session's --json stream keeps the contract (docs/events.schema.json) and ends with the client's result.
  const json = await runCli(['client', echo.url, '-x', 'a', '-x', '/binary 00ff', '-x', '/ping', '-x', '/inspect', '-P', '--ping-interval', '100ms', '-w', '300ms', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const events = parseEvents(json.stdout);
  assert.deepEqual(events.filter((e) => ['send', 'message', 'inspect'].includes(e.event)).map((e) => [e.event, e.text ?? e.hex ?? e.available]),
    [['send', 'a'], ['send', '00ff'], ['message', 'a'], ['message', '00ff'], ['inspect', true]]);
  assert.ok(events.some((e) => e.event === 'pong' && e.asked === true), json.stdout);
  assert.equal(events.at(-1)!.event, 'result');
  assert.deepEqual(events.at(-1)!.messages, { sent: 2, received: 2 });
  await echo.stop();
});

test('-P and --ping-interval: keepalive pongs with their RTT on stderr, messages on stdout', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const r = await runCli(['client', echo.url, '-x', 'hi', '-w', '1s', '--ping-interval', '200ms', '-P']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  assert.match(r.stderr, /\[\s*\d+\.\d{3}\] pong in \d+\.\d ms/);
  await echo.stop();
});

test('a peer that closes first: its code and reason on stderr, exit 0 for a normal close', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const r = await runCli(['client', echo.url, '-x', 'wstrace:close:1000']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /close\s+by the peer: 1000/);
  await echo.stop();
});

test('pipe mode with stdin still open: SIGINT closes with 1000 and a bounded wait, exit 0', async (t) => {
  const peer = await startPythonPeer(t);
  const child = spawn(process.execPath, [CLI, 'client', peer.url], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.stdin.write('still typing\n');
  await waitFor(() => out === 'still typing\n', 10_000, 'the reply while stdin stays open');
  child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 10_000)))]);
  clearTimeout(timer);
  assert.equal(code, 0);
  await waitFor(() => peer.closes.length === 1, 5_000, 'the peer to report the close');
  assert.equal(peer.closes[0]!.closed, 1000);
  await peer.stop();
});

test('a session judges its opening as the diagnosis does: the hop trace, and a stripped upgrade named with its hop', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
  const base = echo.url.replace(/\/echo$/, '');
  const good = await startCliServer(t, ['proxy', '--target', base, '--port', '0', '--json', '--name', 'fine-hop']);
  const bad = await startCliServer(t, ['proxy', '--target', base, '--port', '0', '--json', '--name', 'strip-hop', '--fault', 'strip-upgrade']);
  const ok = await runCli(['client', good.url, '-x', 'hi', '--json']);
  assert.equal(ok.code, 0, ok.stdout);
  const okEvents = parseEvents(ok.stdout);
  assert.ok(okEvents.some((e) => e.event === 'trace'), 'the hop trace through a wstrace hop');
  assert.notEqual(okEvents.at(-1)!.trace, null);
  const r = await runPiped(['client', bad.url], 'hi\n');
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^verdict: upgrade-headers-stripped: /);
  assert.match(r.stderr, /evidence: hop trace: Upgrade was removed between "strip-hop" and "echo"/);
  await Promise.all([good.stop(), bad.stop(), echo.stop()]);
});

test('client --inspect masks Authorization and Cookie from an endpoint that shows them (human and --json); --show-secrets shows them', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--show-secrets']);
  const creds = ['-H', 'Authorization: Bearer sekrit-token', '-H', 'Cookie: sid=sekrit'];
  for (const json of [false, true]) {
    const masked = await runCli(['client', echo.url, '--inspect', ...creds, ...(json ? ['--json'] : [])]);
    assert.equal(masked.code, 0, masked.stderr);
    assert.doesNotMatch(masked.stdout, /sekrit/);
    assert.match(masked.stdout, /\[redacted: 19 bytes\]/);
  }
  const shown = await runCli(['client', echo.url, '--inspect', ...creds, '--show-secrets']);
  assert.match(shown.stdout, /Authorization: Bearer sekrit-token/);
  await echo.stop();
});

// A session that shows its timeline (interactive, -v, --json) warms the client's code before its
// first timed phase, so connect and upgrade are the path's; a quiet pipe skips the ~60 ms.
test('runSession with warmUp has warmed up before its first phase event; without it, not', () => {
  const script = `
import { startEcho } from './dist/src/endpoint/server.js';
import { runSession } from './dist/src/client/session.js';
import { isWarm } from './dist/src/client/warmup.js';
import { parseWsUrl } from './dist/src/net/url.js';
const echo = await startEcho({ host: '127.0.0.1', port: 0 });
const seen = [];
for (const warmUp of [false, true]) {
  let atFirstPhase;
  const source = { next: async () => undefined, close() {} };
  const r = await runSession({ target: parseWsUrl(echo.url), timeoutMs: 5000, warmUp }, source, (ev) => {
    if (ev.event === 'phase' && atFirstPhase === undefined) atFirstPhase = isWarm();
  });
  seen.push({ warmUp, atFirstPhase, ok: r.ok });
}
await echo.close();
console.log(JSON.stringify(seen));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), [
    { warmUp: false, atFirstPhase: false, ok: true },
    { warmUp: true, atFirstPhase: true, ok: true },
  ]);
});
