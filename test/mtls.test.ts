// Client certificates end to end: `echo --tls-client-ca` requires one signed by the test CA;
// no certificate, one from another CA, and the right one (also with an encrypted key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';
import { proxyEnv } from './helpers/forward-proxies.js';

const tls = (f: string) => path.join(REPO_ROOT, 'fixtures', 'tls', f);
const env = proxyEnv();

test('mTLS: no certificate → client-cert-required; another CA\'s → client-cert-rejected; the right one → ok', async (t) => {
  const echo = await startCliServer(t, [
    'echo', '--port', '0', '--json', '--log-level', 'warn',
    '--tls-cert', tls('app-cert.pem'), '--tls-key', tls('app-key.pem'), '--tls-client-ca', tls('test-ca-cert.pem'),
  ]);
  const base = [echo.url, '--ca', tls('test-ca-cert.pem'), '--servername', 'app.wstrace.invalid', '--json'];

  const none = await runCli(['client', ...base], { env });
  assert.equal(none.code, 1, none.stdout);
  const a = resultOf(none.stdout).verdict!;
  assert.equal(a.code, 'client-cert-required', JSON.stringify(a));
  assert.match(a.evidence.join(' '), /certificate required/);
  assert.match(a.next, /--cert FILE --key FILE/);

  const rogue = await runCli(['client', ...base, '--cert', tls('rogue-client-cert.pem'), '--key', tls('rogue-client-key.pem')], { env });
  assert.equal(rogue.code, 1, rogue.stdout);
  const b = resultOf(rogue.stdout).verdict!;
  assert.equal(b.code, 'client-cert-rejected', JSON.stringify(b));

  const ok = await runCli(['client', ...base, '--cert', tls('client-cert.pem'), '--key', tls('client-key.pem'), '--inspect'], { env });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const events = ndjson(ok.stdout);
  assert.equal(events.find((e) => e.phase === 'tls')!.clientCert, true);
  assert.equal((events.find((e) => e.event === 'inspect')!.report as { tls: { clientCert: string } }).tls.clientCert, 'wstrace-client');

  const encrypted = await runCli(['client', ...base, '--cert', tls('client-cert.pem'), '--key', tls('client-key-encrypted.pem'), '--pass', 'hunter2'], { env });
  assert.equal(encrypted.code, 0, encrypted.stdout + encrypted.stderr);

  // bisect and probe present the certificate too.
  const b2 = await runCli(['bisect', ...base, '--cert', tls('client-cert.pem'), '--key', tls('client-key.pem')], { env, timeoutMs: 20_000 });
  assert.equal(b2.code, 0, b2.stdout + b2.stderr);
  const p = await runCli(['probe', ...base, '--check', 'handshake', '--cert', tls('client-cert.pem'), '--key', tls('client-key.pem')], { env, timeoutMs: 30_000 });
  assert.equal(p.code, 0, p.stdout + p.stderr);
  const p2 = await runCli(['probe', ...base, '--check', 'handshake'], { env, timeoutMs: 30_000 });
  assert.equal(resultOf(p2.stdout).verdict?.code, 'client-cert-required', p2.stdout);
  await echo.stop();
});
