/**
 * `wstrace probe` against the real echo endpoint, driven through the real CLI: every quick
 * check passes, the JSON contract (one `check` per row, then `result`), check selection, the
 * long checks with a short --max-wait, and input errors (exit 2, one line).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEcho, type EchoEndpoint } from '../src/endpoint/server.js';
import { assertInputError, ndjson, resultOf, runCli, type Ev } from './helpers/cli.js';
import { PeerServer } from './helpers/raw-peers.js';
import { CHECKS } from '../src/probe/registry.js';
import { CHECK_INFO } from '../src/probe/catalog.js';

const QUICK = [
  'handshake', 'echo', 'ping', 'close-reply', 'max-message', 'invalid-utf8', 'reserved-opcode',
  'unmasked-client-frame', 'oversized-control', 'compression', 'subprotocol',
];
const LONG = ['unanswered-close', 'silent-after-upgrade', 'idle-timeout'];

async function echo(t: { after(fn: () => Promise<void>): void }, closeTimeoutMs = 5_000): Promise<EchoEndpoint> {
  const ep = await startEcho({ port: 0, closeTimeoutMs });
  t.after(() => ep.close());
  return ep;
}

function checks(stdout: string): Ev[] {
  return ndjson(stdout).filter((e) => e.event === 'check');
}

test('every quick check passes against wstrace echo, one aligned row each, exit 0', async (t) => {
  const ep = await echo(t);
  const r = await runCli(['probe', ep.url], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  const rows = r.stdout.split('\n').filter((l) => /^\[\s*\d+\.\d{3}\] (PASS|WARN|FAIL) /.test(l));
  assert.deepEqual(rows.map((l) => l.split(/\s+/)[3]), QUICK, r.stdout);
  for (const l of rows) assert.match(l, /^\[\s*\d+\.\d{3}\] PASS /, l);
  // Stamp, status, name padded to the longest name: the value column starts at the same offset.
  for (const l of rows) assert.match(l.slice(36), /^ \S/, `value not aligned:\n${rows.join('\n')}`);
  assert.match(r.stdout, /max-message\s+16777216 bytes/);
  assert.match(r.stdout, /^summary: 11 check\(s\) against .* 11 pass, 0 warn, 0 fail$/m);
  assert.match(r.stdout, /^verdict: healthy/m);
});

test('--json: one check event per row with its figure, then result', async (t) => {
  const ep = await echo(t);
  const r = await runCli(['probe', ep.url, '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  const events = ndjson(r.stdout);
  assert.deepEqual(events.map((e) => e.event), [...QUICK.map(() => 'check'), 'result']);
  for (const c of events.slice(0, -1)) {
    assert.deepEqual(
      ['name', 'status', 'value', 'unit', 'closeCode', 'evidence'].filter((k) => !(k in c)), [], `fields of ${JSON.stringify(c)}`,
    );
    assert.equal(c.status, 'pass', JSON.stringify(c));
    assert.ok(Array.isArray(c.evidence));
  }
  const byName = Object.fromEntries(events.map((e) => [e.name, e]));
  assert.equal(byName['max-message']!.value, 16 * 1024 * 1024);
  assert.equal(byName['max-message']!.unit, 'bytes');
  assert.equal(byName['echo']!.value, 9);
  assert.equal(byName['invalid-utf8']!.closeCode, 1007);
  assert.equal(byName['reserved-opcode']!.closeCode, 1002);
  assert.equal(byName['close-reply']!.closeCode, 1000);
  assert.equal(byName['compression']!.value, 'on');
  const result = resultOf(r.stdout);
  assert.equal(result.ok, true);
  assert.equal(result.pass, 11);
  assert.equal(result.endpoint, 'echo');
  assert.equal(result.verdict, undefined);
});

test('--check picks checks in report order; --all adds the long ones, bounded by --max-wait', async (t) => {
  const ep = await echo(t, 600);
  const picked = await runCli(['probe', ep.url, '--check', 'ping', '--check', 'handshake', '--json']);
  assert.equal(picked.code, 0, picked.stderr);
  assert.deepEqual(checks(picked.stdout).map((c) => c.name), ['handshake', 'ping']);

  const all = await runCli(['probe', ep.url, '--all', '--max-wait', '2s', '--json'], { timeoutMs: 20_000 });
  assert.equal(all.code, 0, all.stdout + all.stderr);
  const rows = checks(all.stdout);
  assert.deepEqual(rows.map((c) => c.name), [...QUICK, ...LONG]);
  const by = Object.fromEntries(rows.map((c) => [c.name, c]));
  // Our endpoint was asked to close (wstrace:close) and drops TCP after its own 600 ms close timeout.
  assert.equal(by['unanswered-close']!.status, 'pass', JSON.stringify(by['unanswered-close']));
  assert.equal(by['unanswered-close']!.unit, 's');
  assert.ok(Math.abs(Number(by['unanswered-close']!.value) - 0.6) < 0.4, JSON.stringify(by['unanswered-close']));
  assert.equal(by['unanswered-close']!.closeCode, 1000);
  // The echo endpoint never drops a silent client on its own: reported, not failed.
  assert.equal(by['silent-after-upgrade']!.status, 'warn');
  assert.equal(by['idle-timeout']!.status, 'pass');
  const result = resultOf(all.stdout);
  assert.ok(Number(result.totalMs) <= 2_000 + 1_000, `probe took ${String(result.totalMs)} ms with --max-wait 2s`);
});

test('--help names every registered check, quick and long', async () => {
  const r = await runCli(['probe', '--help']);
  assert.equal(r.code, 0, r.stderr);
  const m = /Quick \(the default set\): (.*?)\. Long: (.*?) ?\[array\]/.exec(r.stdout.replace(/\s+/g, ' '));
  assert.ok(m, r.stdout);
  assert.deepEqual(m[1]!.split(', '), QUICK);
  assert.deepEqual(m[2]!.split(', '), LONG);
  assert.deepEqual(CHECKS.filter((c) => !c.long).map((c) => c.name), QUICK);
  assert.deepEqual(CHECKS.filter((c) => c.long).map((c) => c.name), LONG);
});

test('--list prints every check (quick, long, HTTP/2) from the catalog within 80 columns and exits 0; no URL and no --list is a usage error', async () => {
  const r = await runCli(['probe', '--list'], { env: { COLUMNS: '80' } });
  assert.equal(r.code, 0, r.stderr);
  for (const c of CHECK_INFO) assert.match(r.stdout, new RegExp(`^  ${c.name} `, 'm'), c.name);
  for (const line of r.stdout.split('\n')) assert.ok([...line].length <= 80, `over 80 columns: ${line}`);
  assertInputError(await runCli(['probe']), 'probe needs a URL');
});

test('a URL where nothing listens: every row FAILs at once, verdict connect-refused, exit 1', async () => {
  const gone = await new PeerServer(() => {}).listen();
  const url = gone.url;
  await gone.close();
  const r = await runCli(['probe', url, '--json'], { timeoutMs: 15_000 });
  assert.equal(r.code, 1, r.stderr);
  const rows = checks(r.stdout);
  assert.equal(rows.length, QUICK.length);
  for (const c of rows) assert.equal(c.status, 'fail');
  assert.match(String(rows[0]!.summary), /^no 101: /);
  assert.match(String(rows[1]!.summary), /^not run: /);
  assert.equal(resultOf(r.stdout).verdict?.code, 'connect-refused');
});

test('bad input: exit 2 with one error line, no stack trace', async (t) => {
  const ep = await echo(t);
  const cases: [string[], string | RegExp][] = [
    [['probe', 'http://127.0.0.1:1/echo'], 'use ws://'],
    [['probe', 'not a url'], 'malformed URL'],
    [['probe', ep.url, '--check', 'nope'], 'unknown check "nope"'],
    [['probe', ep.url, '--max-wait', 'soon'], '--max-wait'],
    [['probe', ep.url, '--max-wait', '0s'], '--max-wait'],
    [['probe', ep.url, '--keepalive', '0ms'], '--keepalive'],
    [['probe', ep.url, '--max-size', '12 parsecs'], '--max-size'],
    [['probe', ep.url, '--max-size', '0'], '--max-size'],
    [['probe', ep.url, '--timeout', 'never'], '--timeout'],
    [['probe', ep.url, '--header', 'no colon'], '--header'],
    [['probe', ep.url, '--subprotocol', 'a b'], '--subprotocol'],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(args, { timeoutMs: 15_000 })));
  runs.forEach((r, i) => assertInputError(r, cases[i]![1]));
});
