// A real squid (Debian) as the corporate forward proxy: ws:// and wss:// tunnel through CONNECT,
// chosen by --proxy or by HTTPS_PROXY/HTTP_PROXY like curl; basic auth; squid's stock rule that
// CONNECT may reach SSL_ports only. squid's access log is the proof the traffic went through it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, assertInputError, ndjson, resultOf, runCli, startCliServer, type CliServer, type Ev } from './helpers/cli.js';
import { freePort, requireOrSkip, type RealServer } from './helpers/real-servers.js';
import { SQUID_USER, proxyEnv, squidAccessLog, startForwardSquid } from './helpers/forward-proxies.js';

const CA = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-cert.pem');
const KEY = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-key.pem');

const port = (url: string) => Number(new URL(url).port);

describe('through a real squid', () => {
  let echo: CliServer | undefined;
  let tlsEcho: CliServer | undefined;
  let squid: RealServer | undefined;
  let proxy = '';

  before(async (t) => {
    if (requireOrSkip(t as never, 'squid') === null) return;
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    tlsEcho = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn', '--tls-cert', CA, '--tls-key', KEY]);
    squid = await startForwardSquid({ sslPorts: [port(echo.url), port(tlsEcho.url)] });
    proxy = `http://127.0.0.1:${squid.port}`;
  });
  after(async () => {
    await squid?.stop();
    await echo?.stop();
    await tlsEcho?.stop();
  });

  test('ws:// via --proxy: CONNECT is a timed phase and squid logs the tunnel', async (t) => {
    if (!squid) return t.skip('squid missing');
    const r = await runCli(['client', echo!.url, '--proxy', proxy, '--json'], { env: proxyEnv() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const phases = ndjson(r.stdout).filter((e) => e.event === 'phase');
    assert.deepEqual(phases.map((p) => p.phase).slice(0, 4), ['resolve', 'connect', 'proxy', 'upgrade']);
    const p = phases.find((e) => e.phase === 'proxy')!;
    assert.equal(p.request, `CONNECT 127.0.0.1:${port(echo!.url)}`);
    assert.equal(p.status, 200);
    assert.equal(typeof p.ms, 'number');
    assert.equal((phases.find((e) => e.phase === 'connect') as Ev & { peer: { port: number } }).peer.port, squid.port);
    assert.match(squidAccessLog(squid), new RegExp(`TCP_TUNNEL/200 .*CONNECT 127\\.0\\.0\\.1:${port(echo!.url)}`));
  });

  test('wss:// via HTTPS_PROXY (with --ca): the environment picks squid, TLS runs inside the tunnel', async (t) => {
    if (!squid) return t.skip('squid missing');
    const r = await runCli(['client', tlsEcho!.url, '--ca', CA, '--json'], { env: proxyEnv({ HTTPS_PROXY: proxy }) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const events = ndjson(r.stdout);
    const connect = events.find((e) => e.event === 'phase' && e.phase === 'connect')!;
    assert.equal(connect.source, 'HTTPS_PROXY');
    assert.deepEqual(events.filter((e) => e.event === 'phase').map((e) => e.phase).slice(0, 4), ['resolve', 'connect', 'proxy', 'tls']);
    assert.match(squidAccessLog(squid), new RegExp(`TCP_TUNNEL/200 .*CONNECT 127\\.0\\.0\\.1:${port(tlsEcho!.url)}`));
    // ws:// reads http_proxy, not HTTPS_PROXY (curl's rule): this one goes direct.
    const plain = await runCli(['client', echo!.url, '--json'], { env: proxyEnv({ HTTPS_PROXY: 'http://127.0.0.1:1' }) });
    assert.equal(plain.code, 0, plain.stdout);
    assert.equal(ndjson(plain.stdout).find((e) => e.event === 'phase' && e.phase === 'proxy'), undefined);
  });

  test('NO_PROXY and --noproxy bypass a proxy set in the environment; --proxy "" disables it', async (t) => {
    if (!squid) return t.skip('squid missing');
    const dead = { http_proxy: 'http://127.0.0.1:1' };
    const viaDead = await runCli(['client', echo!.url, '--json'], { env: proxyEnv(dead) });
    assert.equal(resultOf(viaDead.stdout).verdict?.code, 'proxy-unreachable');
    assert.match(resultOf(viaDead.stdout).verdict!.next, /http_proxy/);
    for (const [args, env] of [
      [[], { ...dead, NO_PROXY: 'localhost,127.0.0.0/8' }],
      [['--noproxy', '127.0.0.1'], dead],
      [['--proxy', ''], dead],
    ] as const) {
      const r = await runCli(['client', echo!.url, '--json', ...args], { env: proxyEnv(env) });
      assert.equal(r.code, 0, `${args.join(' ')} ${JSON.stringify(env)}: ${r.stdout}`);
    }
  });

  test('bisect, probe and load go through the proxy too', async (t) => {
    if (!squid) return t.skip('squid missing');
    const before = (squidAccessLog(squid).match(/TCP_TUNNEL/g) ?? []).length;
    const b = await runCli(['bisect', echo!.url, '--proxy', proxy, '--json'], { env: proxyEnv(), timeoutMs: 20_000 });
    assert.equal(b.code, 0, b.stdout + b.stderr);
    const p = await runCli(['probe', echo!.url, '--check', 'handshake', '--check', 'echo', '--proxy', proxy, '--json'], { env: proxyEnv(), timeoutMs: 30_000 });
    assert.equal(p.code, 0, p.stdout + p.stderr);
    const l = await runCli(['client', echo!.url, '--concurrency', '2', '--count', '10', '--proxy', proxy, '--json'], { env: proxyEnv(), timeoutMs: 30_000 });
    assert.equal(l.code, 0, l.stdout + l.stderr);
    const tunnels = (squidAccessLog(squid).match(/TCP_TUNNEL/g) ?? []).length - before;
    assert.ok(tunnels >= 1 + 2 + 2, `squid logged ${tunnels} new tunnels`);
  });

  test('a CONNECT to a port outside SSL_ports: proxy-refused naming squid\'s rule', async (t) => {
    if (!squid) return t.skip('squid missing');
    const forbidden = await freePort();
    const r = await runCli(['client', `ws://127.0.0.1:${forbidden}/echo`, '--proxy', proxy, '--json'], { env: proxyEnv() });
    assert.equal(r.code, 1, r.stdout);
    const v = resultOf(r.stdout).verdict!;
    assert.equal(v.code, 'proxy-refused');
    assert.match(v.summary, /refused to open a tunnel.*403/);
    assert.match(v.evidence.join('\n'), /X-Squid-Error: ERR_ACCESS_DENIED/);
    assert.match(v.next, new RegExp(`SSL_ports.*port ${forbidden}`));
    assert.match(squidAccessLog(squid), new RegExp(`TCP_DENIED/403 .*CONNECT 127\\.0\\.0\\.1:${forbidden}`));
  });

  test('bad proxy URLs are input errors', async () => {
    assertInputError(await runCli(['client', 'ws://127.0.0.1:1/', '--proxy', 'ftp://127.0.0.1:21']), 'ftp');
    assertInputError(await runCli(['client', 'ws://127.0.0.1:1/', '--proxy', 'http://u:secret@127.0.0.1:3128/path']), 'has no path');
    const leaked = await runCli(['client', 'ws://127.0.0.1:1/', '--proxy', 'gopher://u:secret@x']);
    assert.doesNotMatch(leaked.stderr, /secret/, 'the password never appears in an error');
    assertInputError(await runCli(['bisect', 'ws://127.0.0.1:1/', '--proxy', 'http://']), '--proxy');
    assertInputError(await runCli(['probe', 'ws://127.0.0.1:1/', '--resolve', 'a:b:c']), '--resolve');
  });
});

describe('through a real squid with basic auth', () => {
  let echo: CliServer | undefined;
  let squid: RealServer | undefined;

  before(async (t) => {
    if (requireOrSkip(t as never, 'squid') === null) return;
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    squid = await startForwardSquid({ sslPorts: [port(echo.url)], auth: true });
  });
  after(async () => {
    await squid?.stop();
    await echo?.stop();
  });

  test('no credentials: proxy-auth-required with the scheme and realm; the right ones: ok; wrong ones: rejected', async (t) => {
    if (!squid) return t.skip('squid missing');
    const none = await runCli(['client', echo!.url, '--proxy', `http://127.0.0.1:${squid.port}`, '--json'], { env: proxyEnv() });
    assert.equal(none.code, 1, none.stdout);
    const v = resultOf(none.stdout).verdict!;
    assert.equal(v.code, 'proxy-auth-required');
    assert.match(v.summary, /requires authentication \(407, Basic realm "wstrace test proxy"\)/);
    assert.match(v.next, /USER:PASSWORD@/);

    const good = `http://${SQUID_USER.name}:${SQUID_USER.password}@127.0.0.1:${squid.port}`;
    const ok = await runCli(['client', echo!.url, '--proxy', good, '--json'], { env: proxyEnv() });
    assert.equal(ok.code, 0, ok.stdout);
    assert.doesNotMatch(ok.stdout, new RegExp(SQUID_USER.password), 'the password is never printed');
    const viaEnv = await runCli(['client', echo!.url, '--json'], { env: proxyEnv({ http_proxy: good }) });
    assert.equal(viaEnv.code, 0, viaEnv.stdout);

    const wrong = await runCli(['client', echo!.url, '--proxy', `http://${SQUID_USER.name}:nope@127.0.0.1:${squid.port}`, '--json'], { env: proxyEnv() });
    const w = resultOf(wrong.stdout).verdict!;
    assert.equal(w.code, 'proxy-auth-required');
    assert.match(w.summary, /rejected the credentials for user "alice"/);
    assert.match(squidAccessLog(squid), /TCP_DENIED\/407 .*CONNECT/);
    assert.match(squidAccessLog(squid), /TCP_TUNNEL\/200 .*CONNECT .* alice /);
  });
});

describe('through a real squid serving TLS itself (an https:// proxy)', () => {
  let echo: CliServer | undefined;
  let squid: RealServer | undefined;

  before(async (t) => {
    if (requireOrSkip(t as never, 'squid') === null) return;
    echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
    squid = await startForwardSquid({ sslPorts: [port(echo.url)], tls: { cert: CA, key: KEY } });
  });
  after(async () => {
    await squid?.stop();
    await echo?.stop();
  });

  test('https:// proxy: TLS to the proxy, then CONNECT; an untrusted proxy certificate is a tls-failure naming the proxy', async (t) => {
    if (!squid) return t.skip('squid missing');
    const proxy = `https://localhost:${squid.port}`;
    const ok = await runCli(['client', echo!.url, '--proxy', proxy, '--ca', CA, '--json'], { env: proxyEnv() });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const p = ndjson(ok.stdout).find((e) => e.phase === 'proxy')!;
    assert.deepEqual([p.scheme, p.status], ['https', 200]);
    assert.match(String(p.tls), /^TLSv1\.[23]$/);
    const untrusted = await runCli(['client', echo!.url, '--proxy', proxy, '--json'], { env: proxyEnv() });
    const v = resultOf(untrusted.stdout).verdict!;
    assert.equal(v.code, 'tls-failure', JSON.stringify(v));
    assert.match(v.summary, /TLS handshake with the proxy https:\/\/localhost:\d+ failed/);
    assert.match(v.evidence.join(' '), /self-signed/);
  });
});

