import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMs, parseDuration } from '../src/net/duration.js';
import { formatBytes, parseBytes } from '../src/net/size.js';
import { formatHostPort, parsePort, parseWsUrl } from '../src/net/url.js';
import { upstreamOf } from '../src/proxy/upstream.js';
import { headerTokens, isToken, pairRawHeaders, parseHeader } from '../src/net/header.js';
import { headersFrom, timeoutMs } from '../src/cli/options.js';
import { InputError } from '../src/errors.js';

/** An input error with this code whose message quotes the offending value. */
function rejects(fn: () => unknown, code: string, value: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InputError, `not an InputError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(JSON.stringify(value)), `message should quote ${JSON.stringify(value)}: ${e.message}`);
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return true;
  });
}

describe('durations', () => {
  it('parses ms, s, m, h, decimals and bare seconds', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5_000);
    assert.equal(parseDuration('1.5s'), 1_500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration(' 100ms '), 100);
    assert.equal(parseDuration('0ms'), 0);
  });

  it('rejects what is not a duration, naming the value and the option', () => {
    for (const bad of ['5x', '', 'ms', '-1s', '1e3', '5 s', '.5s', '5sec', '1,5s']) rejects(() => parseDuration(bad, '--timeout'), 'ERR_BAD_DURATION', bad.trim());
    assert.throws(() => parseDuration('5x', '--interval'), /--interval/);
  });

  it('refuses a bare number other than 0, echoing it and suggesting both units', () => {
    for (const bare of ['5', '1.5', 2]) {
      assert.throws(() => parseDuration(bare, '--timeout'), (e: Error & { code?: string }) =>
        e.code === 'ERR_BAD_DURATION' && e.message === `bad --timeout "${bare}": give a unit, e.g. ${bare}s or ${bare}ms (ms, s, m, h)`);
    }
  });

  it('caps durations at 24 h', () => {
    assert.equal(parseDuration('24h'), 86_400_000);
    rejects(() => parseDuration('25h'), 'ERR_BAD_DURATION', '25h');
  });

  it('--timeout must be more than zero', () => {
    assert.equal(timeoutMs({ timeout: '750ms' }), 750);
    rejects(() => timeoutMs({ timeout: '0s' }), 'ERR_BAD_DURATION', '0s');
  });

  it('formats for humans', () => {
    assert.equal(formatMs(12.34), '12.3 ms');
    assert.equal(formatMs(1234.5), '1.234 s');
  });
});

describe('sizes', () => {
  it('parses bytes with binary k/M suffixes in any case', () => {
    assert.equal(parseBytes('32768'), 32_768);
    assert.equal(parseBytes('64k'), 65_536);
    assert.equal(parseBytes('64K'), 65_536);
    assert.equal(parseBytes('1kb'), 1_024);
    assert.equal(parseBytes('16M'), 16 * 1024 * 1024);
    assert.equal(parseBytes('16MiB'), 16 * 1024 * 1024);
    assert.equal(parseBytes('2 k'), 2_048);
    assert.equal(parseBytes(70000), 70_000);
    assert.equal(parseBytes('0'), 0);
  });

  it('rejects fractions, negatives, unknown units and overflow', () => {
    for (const bad of ['1.5k', '-1', '5q', 'k', '', '1G', '64 kbit']) rejects(() => parseBytes(bad, '--size'), 'ERR_BAD_SIZE', bad);
    rejects(() => parseBytes('99999999999999999999M'), 'ERR_BAD_SIZE', '99999999999999999999M');
  });

  it('formats for humans', () => {
    assert.equal(formatBytes(18), '18 B');
    assert.equal(formatBytes(70_000), '68.4 KiB');
    assert.equal(formatBytes(2 * 1024 * 1024), '2 MiB');
  });
});

describe('WebSocket URLs', () => {
  it('fills in default ports and keeps path and query', () => {
    const t = parseWsUrl('ws://example.test/chat?room=1');
    assert.deepEqual([t.secure, t.host, t.port, t.path, t.hostHeader], [false, 'example.test', 80, '/chat?room=1', 'example.test']);
    const s = parseWsUrl('wss://example.test');
    assert.deepEqual([s.secure, s.port, s.path], [true, 443, '/']);
  });

  it('handles explicit ports and IPv6 literals', () => {
    const t = parseWsUrl('ws://127.0.0.1:8080/echo');
    assert.deepEqual([t.host, t.port, t.hostHeader], ['127.0.0.1', 8080, '127.0.0.1:8080']);
    const v6 = parseWsUrl('ws://[::1]:9000/x');
    assert.deepEqual([v6.host, v6.port, v6.hostHeader], ['::1', 9000, '[::1]:9000']);
  });

  it('refuses http(s) with a hint, other schemes, fragments and garbage', () => {
    assert.throws(() => parseWsUrl('http://h:1/p'), (e: InputError) => e.code === 'ERR_BAD_SCHEME' && /use ws:\/\/h:1\/p/.test(e.message));
    assert.throws(() => parseWsUrl('https://h/p'), (e: InputError) => e.code === 'ERR_BAD_SCHEME' && /use wss:\/\/h\/p/.test(e.message));
    rejects(() => parseWsUrl('ftp://h/'), 'ERR_BAD_SCHEME', 'ftp://h/');
    rejects(() => parseWsUrl('ws://h/p#frag'), 'ERR_BAD_URL', 'ws://h/p#frag');
    rejects(() => parseWsUrl('not a url'), 'ERR_BAD_URL', 'not a url');
    rejects(() => parseWsUrl('ws://'), 'ERR_BAD_URL', 'ws://');
    assert.throws(() => parseWsUrl('ftp://h/', '--target'), /--target/);
  });

  it('turns a proxy target into an http base the request path is appended to', () => {
    // A target without a path is a base (the client's path is kept); with one, it is used as written.
    const base = upstreamOf(parseWsUrl('ws://127.0.0.1:8080'));
    assert.deepEqual([base.label, base.request('/a/b?x=1').path], ['ws://127.0.0.1:8080', '/a/b?x=1']);
    const fixed = upstreamOf(parseWsUrl('wss://up.test/socket?v=2'));
    assert.deepEqual([fixed.label, fixed.request('/echo?x=1').path, fixed.request('/echo').path], ['wss://up.test/socket?v=2', '/socket?v=2&x=1', '/socket?v=2']);
    assert.deepEqual([fixed.request('/').protocol, fixed.request('/').port], ['https:', 443]);
    const v6 = upstreamOf(parseWsUrl('ws://[::1]:81/'));
    assert.deepEqual([v6.label, v6.request('/x').hostname], ['ws://[::1]:81', '::1']);
    const unix = upstreamOf(parseWsUrl('ws+unix:/run/app.sock:/ws'));
    assert.deepEqual([unix.label, unix.request('/echo?q').socketPath, unix.request('/echo?q').path], ['ws+unix:/run/app.sock:/ws', '/run/app.sock', '/ws?q']);
  });

  it('ports and listening addresses', () => {
    assert.equal(parsePort(0), 0);
    assert.equal(parsePort('8080'), 8080);
    for (const bad of [-1, 65536, 1.5, 'x']) rejects(() => parsePort(bad), 'ERR_BAD_PORT', String(bad));
    assert.equal(formatHostPort('127.0.0.1', 80), '127.0.0.1:80');
    assert.equal(formatHostPort('::1', 80), '[::1]:80');
  });
});

describe('headers', () => {
  it('parses "Name: value", trimming, keeping colons in the value', () => {
    assert.deepEqual(parseHeader('X-Test: a:b:c'), { name: 'X-Test', value: 'a:b:c' });
    assert.deepEqual(parseHeader('  Authorization :  Bearer t0k3n  '), { name: 'Authorization', value: 'Bearer t0k3n' });
    assert.deepEqual(parseHeader('X-Empty:'), { name: 'X-Empty', value: '' });
  });

  it('rejects a missing colon, a bad name, or control characters that would corrupt the request head', () => {
    rejects(() => parseHeader('NoColon'), 'ERR_BAD_HEADER', 'NoColon');
    rejects(() => parseHeader(': value'), 'ERR_BAD_HEADER', ': value');
    rejects(() => parseHeader('Bad Name: x'), 'ERR_BAD_HEADER', 'Bad Name: x');
    rejects(() => parseHeader('X-Inject: a\r\nEvil: 1'), 'ERR_BAD_HEADER', 'X-Inject: a\r\nEvil: 1');
    rejects(() => parseHeader('X-Nul: a\u0000b'), 'ERR_BAD_HEADER', 'X-Nul: a\u0000b');
  });

  it('merges repeated --header names case-insensitively, as HTTP lists', () => {
    assert.deepEqual(headersFrom(['X-A: 1', 'x-a: 2', 'X-B: 3']), { 'X-A': '1, 2', 'X-B': '3' });
    assert.deepEqual(headersFrom(undefined), {});
  });

  it('tokens and lists', () => {
    assert.equal(isToken('chat.v1'), true);
    assert.equal(isToken('a b'), false);
    assert.equal(isToken(''), false);
    assert.deepEqual(headerTokens('keep-alive, Upgrade'), ['keep-alive', 'upgrade']);
    assert.deepEqual(headerTokens(['a', 'B, c']), ['a', 'b', 'c']);
    assert.deepEqual(headerTokens(undefined), []);
    assert.deepEqual(pairRawHeaders(['Host', 'x', 'Via', 'y']), [['Host', 'x'], ['Via', 'y']]);
  });
});
