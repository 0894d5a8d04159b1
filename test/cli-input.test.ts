/**
 * Input errors at the edge: every bad value gets exactly one `error: …` line on stderr that
 * names it, exit code 2, no stack trace, and nothing on stdout (the command never started) but,
 * under --json, one `error` event.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { assertInputError, runCli } from './helpers/cli.js';

// Port 9 (discard) is never dialled: each of these must be refused before any connection.
const URL_OK = 'ws://127.0.0.1:9/echo';

const CASES: [string, string[], string | RegExp][] = [
  ['malformed URL', ['client', 'not a url'], '"not a url"'],
  ['http:// URL (with a ws:// hint)', ['client', 'http://127.0.0.1:9/echo'], /"http:".*use ws:\/\/127\.0\.0\.1:9\/echo/],
  ['https:// URL (with a wss:// hint)', ['client', 'https://example.test/ws'], /"https:".*use wss:\/\/example\.test\/ws/],
  ['ftp:// URL', ['client', 'ftp://127.0.0.1/x'], '"ftp:"'],
  ['URL with a #fragment', ['client', 'ws://127.0.0.1:9/echo#x'], 'fragment'],
  ['--header without a colon', ['client', URL_OK, '--header', 'NoColon'], '"NoColon"'],
  ['--header with a space in the name', ['client', URL_OK, '--header', 'Bad Name: x'], '"Bad Name"'],
  ['--header with a control character', ['client', URL_OK, '--header', 'X-Ok: a\u0001b'], 'control characters'],
  ['--timeout 5x', ['client', URL_OK, '--timeout', '5x'], '"5x"'],
  ['--timeout 0', ['client', URL_OK, '--timeout', '0'], '--timeout "0"'],
  ['--interval 1y', ['client', URL_OK, '--interval', '1y'], '"1y"'],
  ['--size 5q', ['client', URL_OK, '--size', '5q'], '"5q"'],
  ['--count -1', ['client', URL_OK, '--count', '-1'], '"-1"'],
  ['--subprotocol that is not a token', ['client', URL_OK, '--subprotocol', 'a b'], '"a b"'],
  ['--ca file that does not exist', ['client', 'wss://127.0.0.1:9/', '--ca', '/nonexistent/ca.pem'], '/nonexistent/ca.pem'],
  ['unknown option', ['client', URL_OK, '--bogus'], 'bogus'],
  ['--expect not in the list', ['client', URL_OK, '--expect', 'maybe'], '"maybe"'],
  ['--wait 2x', ['client', URL_OK, '--wait', '2x'], '"2x"'],
  ['bisect --expect not in the list', ['bisect', URL_OK, '--expect', 'maybe'], '"maybe"'],
  ['bisect --subprotocol that is not a token', ['bisect', URL_OK, '--subprotocol', 'a b'], '"a b"'],
  ['probe --message (its checks send their own)', ['probe', URL_OK, '--message', 'hi'], '--message'],
  ['probe --origin with a control character', ['probe', URL_OK, '--origin', 'http://a\u0001b'], 'control characters'],
  ['load mode with --expect any', ['client', URL_OK, '--concurrency', '2', '--expect', 'any'], '--expect any'],
  ['unknown command', ['frobnicate'], 'frobnicate'],
  ['misspelt command', ['ech'], /"ech".*echo/],
  ['no command', [], 'command'],
  ['--log-level not in the list', ['client', URL_OK, '--log-level', 'loud'], '"loud"'],
  ['proxy without --target', ['proxy', '--port', '0'], 'target'],
  ['proxy --target with a bad scheme', ['proxy', '--port', '0', '--target', 'ftp://127.0.0.1:9'], '"ftp:"'],
  ['proxy --fault with a bad spec', ['proxy', '--port', '0', '--target', URL_OK, '--fault', 'Bad!Spec'], '"Bad!Spec"'],
  ['proxy --fault of an unknown kind', ['proxy', '--port', '0', '--target', URL_OK, '--fault', 'no-such-fault'], '"no-such-fault"'],
  ['echo --port out of range', ['echo', '--port', '99999'], '"99999"'],
  ['echo --path without a slash', ['echo', '--port', '0', '--path', 'echo'], '"echo"'],
  ['echo --tls-cert without --tls-key', ['echo', '--port', '0', '--tls-cert', '/nonexistent.pem'], '--tls-key'],
];

describe('bad input → one line, exit 2, no stack', { concurrency: 4 }, () => {
  for (const [what, args, mention] of CASES) {
    it(what, async () => {
      assertInputError(await runCli(args, { timeoutMs: 15_000 }), mention);
    });
  }

  // Under --json the same refusal is also an `error` event, the one line on stdout (assertInputError checks it).
  for (const [what, args, mention] of CASES.filter(([w]) => ['malformed URL', 'unknown option', '--header with a control character', 'no command'].includes(w))) {
    it(`${what}, with --json: an error event on stdout too`, async () => {
      const r = await runCli([...args, '--json'], { timeoutMs: 15_000 });
      assertInputError(r, mention);
      assert.notEqual(r.stdout, '');
    });
  }

  it('echo on a port another server holds', async (t) => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    t.after(() => holder.close());
    const port = (holder.address() as net.AddressInfo).port;
    assertInputError(await runCli(['echo', '--port', String(port)], { timeoutMs: 15_000 }), `port ${port}`);
  });

  it('proxy on a port another server holds', async (t) => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    t.after(() => holder.close());
    const port = (holder.address() as net.AddressInfo).port;
    assertInputError(await runCli(['proxy', '--port', String(port), '--target', URL_OK], { timeoutMs: 15_000 }), `port ${port}`);
  });

  it('--help and --version still work (exit 0)', async () => {
    const help = await runCli(['--help'], { timeoutMs: 15_000 });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /client \[url\]/);
    const version = await runCli(['--version'], { timeoutMs: 15_000 });
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});
