// Real SOCKS5 servers from Debian: dante (with a block rule) and microsocks (with a user):
// socks5:// resolves here, socks5h:// lets the proxy resolve; refusals are clear verdicts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ndjson, resultOf, runCli, startCliServer, type CliServer } from './helpers/cli.js';
import { freePort, requireOrSkip, type RealServer } from './helpers/real-servers.js';
import { proxyEnv, startDante, startMicrosocks } from './helpers/forward-proxies.js';

const port = (url: string) => Number(new URL(url).port);

describe('through a real dante SOCKS5 server', () => {
  let echo: CliServer | undefined;
  let dante: RealServer | undefined;
  let blocked = 0;

  before(async (t) => {
    if (requireOrSkip(t as never, 'danted') === null) return;
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    blocked = await freePort();
    dante = await startDante({ blockedPort: blocked });
  });
  after(async () => {
    await dante?.stop();
    await echo?.stop();
  });

  test('socks5:// sends the address we resolved; socks5h:// sends the name', async (t) => {
    if (!dante) return t.skip('dante missing');
    const local = await runCli(['client', echo!.url.replace('127.0.0.1', 'localhost'), '--proxy', `socks5://127.0.0.1:${dante.port}`, '--json'], { env: proxyEnv() });
    assert.equal(local.code, 0, local.stdout + local.stderr);
    const a = ndjson(local.stdout).find((e) => e.phase === 'proxy')!;
    assert.match(String(a.request), /^SOCKS5 CONNECT (127\.0\.0\.1|\[::1\]):\d+$/);
    const remote = await runCli(['client', echo!.url.replace('127.0.0.1', 'localhost'), '--json'], { env: proxyEnv({ ALL_PROXY: `socks5h://127.0.0.1:${dante.port}` }) });
    assert.equal(remote.code, 0, remote.stdout + remote.stderr);
    const b = ndjson(remote.stdout).find((e) => e.phase === 'proxy')!;
    assert.equal(b.request, `SOCKS5 CONNECT localhost:${port(echo!.url)}`);
    assert.equal(b.source, 'ALL_PROXY');
  });

  test('a destination the rules block: proxy-refused naming the ruleset', async (t) => {
    if (!dante) return t.skip('dante missing');
    const r = await runCli(['client', `ws://127.0.0.1:${blocked}/`, '--proxy', `socks5://127.0.0.1:${dante.port}`, '--json'], { env: proxyEnv() });
    assert.equal(r.code, 1, r.stdout);
    const v = resultOf(r.stdout).verdict!;
    assert.equal(v.code, 'proxy-refused');
    assert.match(v.summary, /not allowed by ruleset/);
    assert.match(v.next, /danted\.conf/);
  });

  test('a destination where nothing listens: connect-refused, as the proxy saw it', async (t) => {
    if (!dante) return t.skip('dante missing');
    const closed = await freePort();
    const r = await runCli(['client', `ws://127.0.0.1:${closed}/`, '--proxy', `socks5h://127.0.0.1:${dante.port}`, '--json'], { env: proxyEnv() });
    const v = resultOf(r.stdout).verdict!;
    assert.equal(v.code, 'connect-refused');
    assert.match(v.summary, /SOCKS proxy .* could not connect to 127\.0\.0\.1:\d+: the target refused/);
  });
});

describe('through a real microsocks with a user', () => {
  let echo: CliServer | undefined;
  let socks: RealServer | undefined;

  before(async (t) => {
    if (requireOrSkip(t as never, 'microsocks') === null) return;
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    socks = await startMicrosocks({ user: 'bob', password: 's3cret' });
  });
  after(async () => {
    await socks?.stop();
    await echo?.stop();
  });

  test('credentials in the URL authenticate (RFC 1929); none or wrong ones: proxy-auth-required', async (t) => {
    if (!socks) return t.skip('microsocks missing');
    const ok = await runCli(['client', echo!.url, '--proxy', `socks5h://bob:s3cret@127.0.0.1:${socks.port}`, '--json'], { env: proxyEnv() });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const none = await runCli(['client', echo!.url, '--proxy', `socks5://127.0.0.1:${socks.port}`, '--json'], { env: proxyEnv() });
    const a = resultOf(none.stdout).verdict!;
    assert.equal(a.code, 'proxy-auth-required', JSON.stringify(a));
    assert.match(a.next, /socks5:\/\/USER:PASSWORD@/);
    const wrong = await runCli(['client', echo!.url, '--proxy', `socks5://bob:nope@127.0.0.1:${socks.port}`, '--json'], { env: proxyEnv() });
    const b = resultOf(wrong.stdout).verdict!;
    assert.equal(b.code, 'proxy-auth-required', JSON.stringify(b));
    assert.match(b.summary, /rejected the credentials for user "bob"/);
  });

  test('an HTTP client pointed at a SOCKS port, and the reverse, say which scheme fits', async (t) => {
    if (!socks) return t.skip('microsocks missing');
    const r = await runCli(['client', echo!.url, '--proxy', `http://127.0.0.1:${socks.port}`, '--json', '--timeout', '2s'], { env: proxyEnv() });
    const v = resultOf(r.stdout).verdict!;
    assert.equal(v.code, 'proxy-refused', JSON.stringify(v));
    assert.match(v.next, /socks5/);
    const http = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    const s = await runCli(['client', echo!.url, '--proxy', `socks5://127.0.0.1:${port(http.url)}`, '--json', '--timeout', '2s'], { env: proxyEnv() });
    const w = resultOf(s.stdout).verdict!;
    assert.match(w.code, /proxy-refused|proxy-timeout/, JSON.stringify(w));
    await http.stop();
  });
});
