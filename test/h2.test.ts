// WebSockets over HTTP/2 (RFC 8441): `client --http 2|auto` against the echo, which speaks
// HTTP/1.1 and HTTP/2 on one port (TLS with ALPN, and h2c by the client preface), and the
// catalogue verdicts for the ways an h2 hop gets extended CONNECT wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as h2Connect } from 'node:http2';
import { readFileSync } from 'node:fs';
import { assertInputError, ndjson, resultOf, runCli, startCliServer, type Ev } from './helpers/cli.js';
import { TLS_CERT, TLS_KEY, startH1OnlyPlain, startH1OnlyTls, startH2Peer } from './helpers/h2-peers.js';

const echoArgs = ['echo', '--port', '0', '--json', '--log-level', 'warn'];
const tlsEchoArgs = [...echoArgs, '--tls-cert', TLS_CERT, '--tls-key', TLS_KEY];
const phase = (events: Ev[], name: string) => events.find((e) => e.event === 'phase' && e.phase === name);

test('--http2 over h2c: SETTINGS advertise extended CONNECT, :status 200, echo, inspect shows pseudo-headers and settings, close 1000', async (t) => {
  const echo = await startCliServer(t, echoArgs);
  const r = await runCli(['client', echo.url, '--http2', '--inspect', '--count', '2', '--subprotocol', 'x', '--json'], { timeoutMs: 15_000 });
  // The echo accepts no subprotocol: over h2 as over 1.1 that is a mismatch. Without it, all green.
  assert.equal(resultOf(r.stdout).verdict?.code, 'subprotocol-mismatch', r.stdout);
  const ok = await runCli(['client', echo.url, '--http2', '--inspect', '--count', '2', '--json'], { timeoutMs: 15_000 });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const events = ndjson(ok.stdout);
  const settings = phase(events, 'settings')!;
  assert.equal(settings.http, 'h2c');
  assert.equal(settings.enableConnectProtocol, true);
  assert.equal(typeof settings.ms, 'number');
  const upgrade = phase(events, 'upgrade')!;
  assert.equal(upgrade.http, '2.0');
  assert.equal(upgrade.status, 200);
  assert.equal(upgrade.endpoint, 'echo');
  // Over h2 the answer that carries the endpoint's marker is a :status 200, not a 101.
  assert.match(String(phase(events, 'open')!.expectWhy), /^the :status 200 carries X-Wstrace-Endpoint$/);
  const report = (events.find((e) => e.event === 'inspect') as Ev & { report: { method: string; httpVersion: string; headers: [string, string][]; h2: { protocol: string; settings: { enableConnectProtocol: boolean } } } }).report;
  assert.equal(report.method, 'CONNECT');
  assert.equal(report.httpVersion, '2.0');
  assert.deepEqual(report.headers.slice(0, 2), [[':method', 'CONNECT'], [':protocol', 'websocket']]);
  assert.ok(report.headers.some(([k, v]) => k === 'sec-websocket-version' && v === '13'));
  assert.equal(report.h2.protocol, 'websocket');
  assert.equal(typeof report.h2.settings.enableConnectProtocol, 'boolean');
  const result = resultOf(ok.stdout) as unknown as Ev & { http: string; echoes: { matched: number }; closeCode: number };
  assert.equal(result.http, '2.0');
  assert.equal(result.echoes.matched, 2);
  assert.equal(result.closeCode, 1000);
  await echo.stop();
});

test('--http2 over TLS: ALPN h2 on the tls phase; the same port still upgrades HTTP/1.1; human output names each h2 phase', async (t) => {
  const echo = await startCliServer(t, tlsEchoArgs);
  const url = echo.url.replace('127.0.0.1', 'localhost');
  const h2 = await runCli(['client', url, '--http2', '--ca', TLS_CERT, '--inspect'], { timeoutMs: 15_000 });
  assert.equal(h2.code, 0, h2.stdout + h2.stderr);
  assert.match(h2.stdout, /\] tls +TLSv1\.[23] .* in [\d.]+ ms, ALPN h2\n/);
  assert.match(h2.stdout, /\] settings +h2 SETTINGS in [\d.]+ ms: extended CONNECT advertised/);
  assert.match(h2.stdout, /\] upgrade +CONNECT :protocol websocket → :status 200 in [\d.]+ ms, answered by wstrace endpoint "echo"/);
  assert.match(h2.stdout, /:protocol: websocket/);
  assert.match(h2.stdout, /ok: .* opened over HTTP\/2 \(extended CONNECT, :status 200\), 1\/1 echoes matched.*closed 1000/);
  const h1 = await runCli(['client', url, '--ca', TLS_CERT, '--json'], { timeoutMs: 15_000 });
  assert.equal(h1.code, 0, h1.stdout + h1.stderr);
  assert.equal(phase(ndjson(h1.stdout), 'tls')!.alpn, 'http/1.1');
  assert.equal(phase(ndjson(h1.stdout), 'upgrade')!.status, 101);
  await echo.stop();
});

test('--http auto: h2 when ALPN and SETTINGS allow it; a fallback event for ws:// and for an h1-only TLS port', async (t) => {
  const echo = await startCliServer(t, tlsEchoArgs);
  const plain = await startCliServer(t, echoArgs);
  const h1only = await startH1OnlyTls();
  t.after(() => h1only.close());
  const a = ndjson((await runCli(['client', echo.url, '--http', 'auto', '--insecure', '--json'], { timeoutMs: 15_000 })).stdout);
  assert.equal(a.find((e) => e.event === 'fallback'), undefined);
  assert.equal((a.at(-1) as Ev & { http: string }).http, '2.0');
  const b = ndjson((await runCli(['client', plain.url, '--http', 'auto', '--json'], { timeoutMs: 15_000 })).stdout);
  assert.match(String(b.find((e) => e.event === 'fallback')!.reason), /cleartext/);
  assert.equal((b.at(-1) as Ev & { http: string; ok: boolean }).http, '1.1');
  const c = await runCli(['client', h1only.url, '--http', 'auto', '--insecure', '--json', '--count', '0'], { timeoutMs: 15_000 });
  const fb = ndjson(c.stdout).find((e) => e.event === 'fallback')!;
  assert.match(String(fb.reason), /ALPN: the server chose http\/1\.1/);
  await Promise.all([echo.stop(), plain.stop()]);
});

test('h2 verdicts: ALPN without h2, h2c to an HTTP/1.1 port, no extended CONNECT, stream reset, non-200 :status', async (t) => {
  const h1only = await startH1OnlyTls();
  const plain = await startH1OnlyPlain();
  const noEcp = await startH2Peer('no-extended-connect');
  const reset = await startH2Peer('reset');
  const forbidden = await startH2Peer('status-403');
  t.after(() => Promise.all([h1only.close(), plain.close(), noEcp.close(), reset.close(), forbidden.close()]));
  const run = async (url: string, ...extra: string[]) => {
    const r = await runCli(['client', url, '--http2', '--json', '--timeout', '3s', ...extra], { timeoutMs: 15_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    return resultOf(r.stdout).verdict!;
  };
  const alpn = await run(h1only.url, '--insecure');
  assert.equal(alpn.code, 'h2-not-offered');
  assert.match(alpn.summary, /ALPN: the server chose http\/1\.1/);
  const h2c = await run(plain.url);
  assert.equal(h2c.code, 'h2-not-offered');
  assert.match(h2c.next, /browsers never use h2 for ws:\/\//);
  const ecp = await run(noEcp.url);
  assert.equal(ecp.code, 'h2-no-extended-connect');
  assert.match(ecp.summary, /SETTINGS_ENABLE_CONNECT_PROTOCOL/);
  assert.deepEqual(noEcp.connects, [], 'no CONNECT is sent to a server that did not enable it');
  const rst = await run(reset.url);
  assert.equal(rst.code, 'h2-stream-reset');
  assert.match(rst.summary, /REFUSED_STREAM \(0x7\)/);
  assert.deepEqual(reset.connects, ['websocket']);
  const status = await run(forbidden.url);
  assert.equal(status.code, 'h2-connect-rejected');
  assert.match(status.summary, /:status 403/);
  assert.match(status.evidence.join(' '), /server: h2-peer.*no websockets for you/);
});

test('an HTTP/1.1 upgrade to an h2-only port: h2-only-port, recognised from the SETTINGS it answers with', async (t) => {
  const peer = await startH2Peer('h2-only');
  t.after(() => peer.close());
  const r = await runCli(['client', peer.url, '--json', '--timeout', '3s'], { timeoutMs: 15_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'h2-only-port', JSON.stringify(v));
  assert.match(v.evidence[0]!, /received SETTINGS/);
  assert.match(v.next, /--http 2/);
});

test('the echo serves /health and the self-test page over h2 too, and refuses a CONNECT without :protocol websocket', async (t) => {
  const echo = await startCliServer(t, tlsEchoArgs);
  const session = h2Connect(`https://localhost:${echo.port}`, { ca: readFileSync(TLS_CERT) });
  t.after(() => session.destroy());
  session.on('error', () => {});
  const get = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no h2 answer within 5 s')), 5_000);
      const s = session.request(headers, { endStream: headers[':method'] !== 'CONNECT' });
      let body = '';
      let status = 0;
      s.setEncoding('utf8');
      s.on('response', (h) => (status = Number(h[':status'])));
      s.on('data', (d: string) => (body += d));
      s.on('close', () => {
        clearTimeout(timer);
        resolve({ status, body });
      });
      s.on('error', reject);
      if (headers[':method'] === 'CONNECT') s.end();
    });
  const health = await get({ ':path': '/health' });
  assert.equal(health.status, 200);
  assert.equal(JSON.parse(health.body).ok, true);
  const page = await get({ ':path': '/', accept: 'text/html' });
  assert.equal(page.status, 200);
  assert.match(page.body, /wstrace self-test/);
  const plainGet = await get({ ':path': '/echo' });
  assert.equal(plainGet.status, 426);
  const other = await get({ ':method': 'CONNECT', ':protocol': 'not-websocket', ':path': '/echo', ':scheme': 'https', ':authority': 'localhost' });
  assert.equal(other.status, 501);
  assert.match(other.body, /only CONNECT with :protocol websocket/);
  session.close();
  await echo.stop();
});

test('--http input errors: an unknown version, --http2 against --http 1.1, connection-specific headers over h2 → exit 2', async () => {
  assertInputError(await runCli(['client', 'ws://127.0.0.1:1/', '--http', '3']), '--http "3"');
  assertInputError(await runCli(['client', 'ws://127.0.0.1:1/', '--http2', '--http', '1.1']), '--http2');
  assertInputError(await runCli(['client', 'ws://127.0.0.1:1/', '--http2', '--header', 'Connection: keep-alive']), 'RFC 9113');
});
