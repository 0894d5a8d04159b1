// wss:// end to end: the tls phase, trust (--ca, --insecure), hostname checks, and the two
// classic mix-ups (plain ws:// to a TLS port, wss:// to a plain port). Certificates are test-only
// fixtures in fixtures/tls/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, assertInputError, ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';

const tls = (f: string) => path.join(REPO_ROOT, 'fixtures', 'tls', f);
const CERT = tls('localhost-cert.pem');
const KEY = tls('localhost-key.pem');

async function tlsEcho(t: Parameters<typeof startCliServer>[0], cert = CERT, key = KEY) {
  return startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn', '--tls-cert', cert, '--tls-key', key]);
}

test('wss to a self-signed endpoint: tls-failure naming the certificate problem and the way out', async (t) => {
  const echo = await tlsEcho(t);
  assert.match(echo.url, /^wss:\/\/127\.0\.0\.1:\d+\/echo$/);
  const r = await runCli(['client', echo.url, '--json', '--timeout', '3s'], { timeoutMs: 10_000 });
  assert.equal(r.code, 1, r.stderr);
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'tls-failure');
  assert.match(v.evidence.join(' '), /SELF_SIGNED|self-signed/);
  assert.match(v.next, /--ca FILE or --insecure/);
});

test('--insecure connects but says the certificate was not verified; --ca verifies it', async (t) => {
  const echo = await tlsEcho(t);
  const insecure = await runCli(['client', echo.url, '--insecure'], { timeoutMs: 10_000 });
  assert.equal(insecure.code, 0, insecure.stdout + insecure.stderr);
  assert.match(insecure.stdout, /\] tls +TLSv1\.[23] \S+, cert localhost issued by CN=localhost \(NOT verified\) in /);
  const trusted = await runCli(['client', echo.url, '--ca', CERT, '--json'], { timeoutMs: 10_000 });
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  const phase = ndjson(trusted.stdout).find((e) => e.event === 'phase' && e.phase === 'tls')!;
  assert.equal(phase.authorized, true);
  assert.equal(phase.subject, 'localhost');
});

test('a trusted certificate for another name: tls-failure on the hostname', async (t) => {
  const echo = await tlsEcho(t, tls('other-cert.pem'), tls('other-key.pem'));
  const r = await runCli(['client', echo.url, '--ca', tls('other-cert.pem'), '--json'], { timeoutMs: 10_000 });
  assert.equal(r.code, 1, r.stderr);
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'tls-failure');
  assert.match(v.evidence.join(' '), /ERR_TLS_CERT_ALTNAME_INVALID|altnames/i);
});

test('plain ws:// to a TLS port, and wss:// to a plain port: each says which scheme fits', async (t) => {
  const secure = await tlsEcho(t);
  const plainToTls = await runCli(['client', secure.url.replace(/^wss:/, 'ws:'), '--json', '--timeout', '2s'], { timeoutMs: 10_000 });
  assert.equal(plainToTls.code, 1);
  const a = resultOf(plainToTls.stdout).verdict!;
  assert.equal(a.code, 'no-response', JSON.stringify(a));
  assert.match(a.next, /use wss:\/\//);

  const plain = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const tlsToPlain = await runCli(['client', plain.url.replace(/^ws:/, 'wss:'), '--json', '--timeout', '2s'], { timeoutMs: 10_000 });
  assert.equal(tlsToPlain.code, 1);
  const b = resultOf(tlsToPlain.stdout).verdict!;
  assert.equal(b.code, 'tls-failure', JSON.stringify(b));
  assert.match(b.summary + b.next, /does not speak TLS|ws:\/\//);
});

test('TLS input errors: unreadable files, a cert without its key, a key as the cert, a key that does not match, an unreadable --ca → exit 2', async () => {
  assertInputError(await runCli(['echo', '--port', '0', '--tls-cert', '/nonexistent.pem', '--tls-key', KEY]), '/nonexistent.pem');
  assertInputError(await runCli(['echo', '--port', '0', '--tls-cert', CERT]), '--tls-key');
  assertInputError(await runCli(['echo', '--port', '0', '--tls-cert', KEY, '--tls-key', KEY]), '--tls-cert');
  assertInputError(await runCli(['echo', '--port', '0', '--tls-cert', CERT, '--tls-key', tls('other-key.pem')]), '--tls-key');
  assertInputError(await runCli(['client', 'wss://127.0.0.1:1/', '--ca', '/nonexistent-ca.pem']), '/nonexistent-ca.pem');
});

test('bisect over wss:// hops: untrusted is a tls-failure at the origin; --ca makes the path green', async (t) => {
  const echo = await tlsEcho(t);
  const untrusted = await runCli(['bisect', echo.url, '--json', '--timeout', '3s'], { timeoutMs: 15_000 });
  assert.equal(untrusted.code, 1, untrusted.stderr);
  const bad = resultOf(untrusted.stdout) as unknown as { break: { inner: number | null; code: string } };
  assert.equal(bad.break.inner, null);
  assert.equal(bad.break.code, 'tls-failure');
  const trusted = await runCli(['bisect', echo.url, '--ca', CERT, '--json'], { timeoutMs: 15_000 });
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  const insecure = await runCli(['bisect', echo.url, '--insecure', '--json'], { timeoutMs: 15_000 });
  assert.equal(insecure.code, 0, insecure.stdout + insecure.stderr);
});
