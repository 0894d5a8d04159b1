/**
 * Every command's every option, with hostile values: control characters, negatives, NaN, empty,
 * huge, wrong type, unreadable or wrong files. Each must be refused before anything is dialled or
 * bound: exit 2, exactly one `error: …` line naming the option and echoing the value (control
 * characters JSON-escaped), no stack trace, nothing on stdout. NUL cannot be passed in argv.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from './helpers/cli.js';
import { escapeControls } from '../src/cli/fatal.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wstrace-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};
const NOT_PEM = file('not.pem', 'hello, I am not a certificate\n');
const EMPTY = file('empty.pem', '');
const BINARY = file('binary.pem', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]));
const BAD_PEM = file('bad.pem', '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n');
const A_DIR = path.join(dir, 'a-dir');
mkdirSync(A_DIR);
const MISSING = path.join(dir, 'missing.pem');
const BAD_JSON = file('bad.json', '{"hops": [');
const JSON_ARRAY = file('array.json', '[1, 2]');
const JSON_NO_HOPS = file('nohops.json', '{"hops": []}');
const JSON_BAD_NAME = file('badname.json', '{"hops": [{"name": "a\\r\\nb"}]}');
const JSON_BAD_FAULT = file('badfault.json', '{"hops": [{"faults": ["latency=-5ms"]}]}');

// Port 9 (discard) is never dialled: every case is refused first.
const URL_OK = 'ws://127.0.0.1:9/echo';
const HUGE = '9'.repeat(400);
const LONG = 'a'.repeat(70_000);

type Case = [cmd: string[], option: string, value: string];

/** `--opt=VALUE` after the command's required arguments. */
function values(cmd: string[], option: string, vals: string[]): Case[] {
  return vals.map((v): Case => [cmd, option, v]);
}

const DURATION = ['-5s', 'NaN', '', '5 s', `${HUGE}s`, '25h', '0x10', 'a\nb', '5s\r\n'];
const SIZE = ['-1', 'NaN', '', '1T', HUGE, '\u0007'];
const COUNT = ['-1', '1.5', '', 'abc', HUGE];
const PORT = ['-1', '', '65536', '0x50', 'abc', HUGE];
const NAME = ['a\r\nSet-Cookie: pwned=1', 'a, b', 'x(1)', 'a b', '', 'é'];
const HEADER = ['NoColon', 'Bad Name: x', 'X-Ok: a\u0001b', 'X-Ok: a\r\nInjected: 1', ': empty-name'];
const SUBPROTOCOL = ['a b', 'bad proto,x', '', 'a\nb'];
const URLS = ['not a url', 'ws://', 'ftp://127.0.0.1/x', 'ws://127.0.0.1:99999/', 'ws://[::1/', 'ws://127.0.0.1:9/echo#frag', 'ws://a b/'];
const CA_FILES = [NOT_PEM, EMPTY, BINARY, BAD_PEM, A_DIR, MISSING];

const CASES: Case[] = [
  // global options
  ...values(['client', URL_OK], '--timeout', DURATION),
  ...values(['probe', URL_OK], '--timeout', ['-5s', 'a\nb']),
  ...values(['bisect', URL_OK], '--timeout', ['-5s', '\u001b[2J']),
  ...values(['echo', '--port', '0'], '--timeout', ['-5s', '0']),
  ...values(['proxy', '--port', '0', '--target', URL_OK], '--timeout', ['NaN']),
  ...values(['chain'], '--timeout', ['-5s', '']),
  ...values(['client', URL_OK], '--log-level', ['loud', '']),
  // client
  ...values(['client', URL_OK], '--interval', ['-1s', 'NaN', '']),
  ...values(['client', URL_OK], '--size', SIZE),
  ...values(['client', URL_OK], '--count', COUNT),
  ...values(['client', URL_OK], '--header', HEADER),
  ...values(['client', URL_OK], '--subprotocol', SUBPROTOCOL),
  ...values(['client', URL_OK], '--origin', ['a\nb', 'a\r\nCookie: x=1', 'o\u007f']),
  ...values(['client', 'wss://127.0.0.1:9/'], '--ca', CA_FILES),
  ...values(['client', URL_OK], '--concurrency', ['-1', '0', 'NaN', HUGE]),
  ...values(['client', URL_OK], '--pipeline', ['-1', HUGE]),
  ...values(['client', URL_OK], '--rate', ['0', HUGE]),
  ...values(['client', URL_OK], '--duration', ['-5s', '0']),
  ...URLS.map((u): Case => [['client'], '', u]),
  // echo
  ...values(['echo'], '--port', PORT),
  ...values(['echo', '--port', '0'], '--name', NAME),
  ...values(['echo', '--port', '0'], '--path', ['echo', '', '/a b', '/\r\n', '/a#b']),
  ...values(['echo', '--port', '0'], '--subprotocol', SUBPROTOCOL),
  ...values(['echo', '--port', '0'], '--max-payload', ['-1', 'NaN', '1T']),
  ...values(['echo', '--port', '0'], '--host', ['not a host', 'a\nb']),
  ...values(['echo', '--port', '0', '--tls-key', NOT_PEM], '--tls-cert', [NOT_PEM, EMPTY, A_DIR, MISSING, BAD_PEM]),
  // proxy
  ...values(['proxy', '--target', URL_OK], '--port', PORT.slice(0, 3)),
  ...values(['proxy', '--port', '0'], '--target', URLS.slice(2, 6)),
  ...values(['proxy', '--port', '0', '--target', URL_OK], '--name', NAME.slice(0, 3)),
  ...values(['proxy', '--port', '0', '--target', URL_OK], '--host', ['a\nb']),
  ...values(['proxy', '--port', '0', '--target', URL_OK], '--fault', [
    '', 'no-such-fault', 'latency=-5ms', 'latency=', 'bandwidth=-1', 'status=999', 'max-message=-1', 'reset-after=NaN',
    'hang=before', 'set-header=a\r\nb:c', 'slicer:nope=1', 'latency\n',
  ]),
  // chain
  ...values(['chain'], '--hops', ['-1', '0', '1.5', HUGE]),
  ...values(['chain'], '--fault', ['-1:hang', '0:hang', '99:hang', ':hang', '1:no-such', '1:latency=-5ms']),
  ...values(['chain'], '--name-prefix', ['a\r\nb', 'h(', 'a, b', 'a b']),
  ...values(['chain'], '--host', ['not a host', 'a\nb']),
  ...[MISSING, A_DIR, BAD_JSON, JSON_ARRAY, JSON_NO_HOPS, JSON_BAD_NAME, JSON_BAD_FAULT, BINARY].map((f): Case => [['chain'], '', f]),
  // bisect
  ...values(['bisect', URL_OK], '--strategy', ['nope', '']),
  ...values(['bisect', URL_OK], '--repeat', ['-1', '1001', HUGE]),
  ...values(['bisect', URL_OK], '--header', HEADER.slice(2)),
  ...values(['bisect', URL_OK, URL_OK], '--hop-header', ['0:X: y', '9:X: y', '1:NoColon', '1:X: a\r\nb']),
  ...values(['bisect', URL_OK], '--name', ['a\r\nb', '\u001b[31mred']),
  ...values(['bisect', 'wss://127.0.0.1:9/'], '--ca', [NOT_PEM, BAD_PEM]),
  ...URLS.slice(0, 3).map((u): Case => [['bisect'], '', u]),
  // probe
  ...values(['probe', URL_OK], '--check', ['nope', '', 'echo\n']),
  ...values(['probe', URL_OK], '--max-wait', ['-5s', '', '0']),
  ...values(['probe', URL_OK], '--keepalive', ['-1s', '0']),
  ...values(['probe', URL_OK], '--max-size', ['-1', '0', '1G']),
  ...values(['probe', URL_OK], '--subprotocol', SUBPROTOCOL.slice(0, 2)),
  ...values(['probe', URL_OK], '--header', HEADER.slice(3)),
  ...values(['probe', 'wss://127.0.0.1:9/'], '--ca', [EMPTY, BINARY]),
  ...URLS.slice(3).map((u): Case => [['probe'], '', u]),
  // wrong type, huge
  [['echo'], '--port', LONG],
];

/** Values as their own argument: yargs would read `-5s` as the short flags -5 and -s. */
const SPACED: [args: string[], option: string, value: string][] = [
  [['client', URL_OK, '--timeout', '-5s'], '--timeout', '-5s'],
  [['client', URL_OK, '--interval', '-1s'], '--interval', '-1s'],
  [['client', URL_OK, '--size', '-64k'], '--size', '-64k'],
  [['chain', '--fault', '-1:hang'], '--fault', '-1:hang'],
  [['chain', '--hops', '-2'], '--hops', '-2'],
  [['probe', URL_OK, '--max-wait', '-5s'], '--max-wait', '-5s'],
  [['proxy', '--port', '0', '--target', URL_OK, '--fault', '-latency'], '--fault', '-latency'],
  [['echo', '--port', '-1'], '--port', '-1'],
];

/** A value shows in a one-line error as is, or with its control characters escaped. */
function shows(line: string, value: string): boolean {
  const shown = (v: string) => line.includes(v.length > 60 ? v.slice(0, 60) : v);
  return shown(value) || shown(escapeControls(value));
}

function check(r: CliResult, option: string, value: string): void {
  const ctx = `exit ${r.code}\nstdout: ${r.stdout.slice(0, 500)}\nstderr: ${r.stderr.slice(0, 1500)}`;
  assert.equal(r.timedOut, false, `timed out\n${ctx}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace\n${ctx}`);
  assert.equal(r.code, 2, `exit code\n${ctx}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `expected one stderr line\n${ctx}`);
  const line = lines[0]!;
  assert.match(line, /^error: /, ctx);
  assert.doesNotMatch(line, /unexpected|[\u0000-\u001f\u007f]/, ctx);
  assert.equal(r.stdout, '', `a refused command prints nothing on stdout\n${ctx}`);
  if (option) assert.ok(line.includes(option.replace(/^--/, '')), `should name ${option}\n${ctx}`);
  if (value !== '') assert.ok(shows(line, value), `should echo the value ${JSON.stringify(value.slice(0, 80))}\n${ctx}`);
}

const label = (args: string[]) => escapeControls(args.join(' ')).slice(0, 120);
const TOTAL = CASES.length + SPACED.length;

describe(`hostile input table (${TOTAL} cases): exit 2, one line naming option and value`, { concurrency: 4 }, () => {
  it('covers at least 150 hostile inputs', () => assert.ok(TOTAL >= 150, `${TOTAL} cases`));
  for (const [cmd, option, value] of CASES) {
    const args = option ? [...cmd, `${option}=${value}`] : [...cmd, value];
    it(label(args), async () => check(await runCli(args, { timeoutMs: 20_000 }), option, value));
  }
  for (const [args, option, value] of SPACED) {
    it(label(args), async () => check(await runCli(args, { timeoutMs: 20_000 }), option, value));
  }
});
