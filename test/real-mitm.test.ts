// A real TLS-inspecting forward proxy (mitmproxy's mitmdump, Debian): it answers CONNECT and
// re-signs the target's certificate with its own CA. The client must say so and name the issuer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { writeFileSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { REPO_ROOT, ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';
import { requireOrSkip } from './helpers/real-servers.js';
import { proxyEnv, startMitmdump } from './helpers/forward-proxies.js';

const CERT = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-cert.pem');
const KEY = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-key.pem');

test('through mitmdump: tls-intercepted names the re-signing issuer and the direct one; trusting its CA connects', async (t) => {
  if (requireOrSkip(t, 'mitmdump') === null) return;
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn', '--tls-cert', CERT, '--tls-key', KEY]);
  const mitm = await startMitmdump();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-mitm-trust-'));
  t.after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await mitm.stop();
  });
  const url = echo.url.replace('127.0.0.1', 'localhost');
  const proxy = `http://127.0.0.1:${mitm.port}`;

  const r = await runCli(['client', url, '--ca', CERT, '--json'], { env: proxyEnv({ HTTPS_PROXY: proxy }), timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const v = resultOf(r.stdout).verdict!;
  assert.equal(v.code, 'tls-intercepted', JSON.stringify(v));
  assert.match(v.summary, /re-signs TLS .*issued by "CN=mitmproxy, O=mitmproxy" through it, by "CN=localhost" directly/);
  assert.match(v.next, /--ca FILE/);
  assert.equal(ndjson(r.stdout).find((e) => e.phase === 'proxy')?.status, 200, 'the CONNECT itself worked');

  // Direct, the same certificate is fine: the proxy is what changes it.
  const direct = await runCli(['client', url, '--ca', CERT, '--json'], { env: proxyEnv(), timeoutMs: 20_000 });
  assert.equal(direct.code, 0, direct.stdout);

  // Trusting the inspection CA (as a corporate machine does) connects, and the tls phase names the issuer.
  const bundle = path.join(dir, 'trust.pem');
  writeFileSync(bundle, readFileSync(CERT, 'utf8') + readFileSync(mitm.caFile, 'utf8'));
  const trusted = await runCli(['client', url, '--ca', bundle, '--json'], { env: proxyEnv({ HTTPS_PROXY: proxy }), timeoutMs: 30_000 });
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  assert.equal(ndjson(trusted.stdout).find((e) => e.phase === 'tls')?.issuer, 'CN=mitmproxy, O=mitmproxy');
  await echo.stop();
});
