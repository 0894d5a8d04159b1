// Reaching a hop by address with the public name: --resolve, --connect-to and --servername
// against the TLS echo serving a certificate for app.wstrace.invalid, a name that never
// resolves; bisect walking one URL through the inner addresses of its path (--at).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { REPO_ROOT, assertInputError, ndjson, type Ev, resultOf, runCli, startCliServer } from './helpers/cli.js';
import { proxyEnv } from './helpers/forward-proxies.js';

const tls = (f: string) => path.join(REPO_ROOT, 'fixtures', 'tls', f);
const NAME = 'app.wstrace.invalid';
const CA = ['--ca', tls('test-ca-cert.pem')];
const env = proxyEnv();

async function appEcho(t: Parameters<typeof startCliServer>[0]) {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn', '--tls-cert', tls('app-cert.pem'), '--tls-key', tls('app-key.pem')]);
  return { echo, port: Number(new URL(echo.url).port) };
}

test('the name does not resolve: dns-failure; --resolve pins it, Host and SNI stay the name', async (t) => {
  const { echo, port } = await appEcho(t);
  const url = `wss://${NAME}:${port}/echo`;
  const plain = await runCli(['client', url, ...CA, '--json'], { env });
  assert.equal(resultOf(plain.stdout).verdict?.code, 'dns-failure');
  const r = await runCli(['client', url, ...CA, '--resolve', `${NAME}:${port}:127.0.0.1`, '--inspect', '--json'], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const events = ndjson(r.stdout);
  const resolve = events.find((e) => e.phase === 'resolve')!;
  assert.deepEqual([resolve.host, resolve.address, resolve.by], [NAME, '127.0.0.1', '--resolve']);
  const report = events.find((e) => e.event === 'inspect')!.report as { headers: [string, string][]; tls: { servername: string } };
  assert.deepEqual(report.headers.find(([k]) => k.toLowerCase() === 'host'), ['Host', `${NAME}:${port}`]);
  assert.equal(report.tls.servername, NAME);
  await echo.stop();
});

test('--connect-to sends the default-port URL to another host:port; the certificate is checked against the URL\'s name', async (t) => {
  const { echo, port } = await appEcho(t);
  const r = await runCli(['client', `wss://${NAME}/echo`, ...CA, '--connect-to', `${NAME}:443:127.0.0.1:${port}`, '--json'], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const connect = ndjson(r.stdout).find((e) => e.phase === 'connect') as Ev & { peer: { address: string; port: number } };
  assert.deepEqual([connect.peer.address, connect.peer.port], ['127.0.0.1', port]);
  // A rule for another port does not apply: the name is looked up, and fails.
  const other = await runCli(['client', `wss://${NAME}/echo`, ...CA, '--connect-to', `${NAME}:8443:127.0.0.1:${port}`, '--json'], { env });
  assert.equal(resultOf(other.stdout).verdict?.code, 'dns-failure');
  await echo.stop();
});

test('--servername: by address, the SNI and the certificate check use the given name', async (t) => {
  const { echo, port } = await appEcho(t);
  const byIp = `wss://127.0.0.1:${port}/echo`;
  const without = await runCli(['client', byIp, ...CA, '--json'], { env });
  const v = resultOf(without.stdout).verdict!;
  assert.equal(v.code, 'tls-failure');
  assert.match(v.evidence.join(' '), /ERR_TLS_CERT_ALTNAME_INVALID|altnames/);
  const r = await runCli(['client', byIp, ...CA, '--servername', NAME, '--inspect', '--json'], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const events = ndjson(r.stdout);
  const tlsPhase = events.find((e) => e.phase === 'tls')!;
  assert.deepEqual([tlsPhase.subject, tlsPhase.issuer, tlsPhase.servername], [NAME, 'CN=wstrace test CA', NAME]);
  assert.equal((events.find((e) => e.event === 'inspect')!.report as { tls: { servername: string } }).tls.servername, NAME);
  // probe and load take the same options.
  const p = await runCli(['probe', byIp, ...CA, '--servername', NAME, '--check', 'handshake', '--json'], { env, timeoutMs: 30_000 });
  assert.equal(p.code, 0, p.stdout + p.stderr);
  const l = await runCli(['client', `wss://${NAME}:${port}/echo`, ...CA, '--resolve', `${NAME}:${port}:127.0.0.1`, '--concurrency', '2', '--count', '6', '--json'], { env, timeoutMs: 30_000 });
  assert.equal(l.code, 0, l.stdout + l.stderr);
  await echo.stop();
});

test('bisect --at walks one public URL through the inner addresses and names the broken one', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const inner = await startCliServer(t, ['proxy', '--name', 'inner', '--port', '0', '--json', '--log-level', 'warn', '--target', new URL(echo.url).origin.replace('http', 'ws')]);
  const edge = await startCliServer(t, ['proxy', '--name', 'edge', '--port', '0', '--json', '--log-level', 'warn', '--fault', 'strip-upgrade', '--target', new URL(inner.url).origin.replace('http', 'ws')]);
  const addr = (s: { url: string }) => new URL(s.url).host;
  const r = await runCli(['bisect', `ws://${NAME}/echo`, '--at', addr(edge), '--at', addr(inner), '--at', addr(echo), '--json'], { env, timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const result = resultOf(r.stdout) as unknown as { break: { outer: number; inner: number; code: string }; hops: { name: string; url: string }[] };
  assert.deepEqual(result.break, { outer: 0, inner: 1, code: 'upgrade-headers-stripped' });
  assert.deepEqual(result.hops.map((h) => h.name), [addr(edge), addr(inner), addr(echo)]);
  assert.ok(result.hops.every((h) => h.url === `ws://${NAME}/echo`), 'every layer is the same public URL');
  for (const s of [edge, inner, echo]) await s.stop();
});

test('address override and client-certificate input errors: one line, exit 2', async () => {
  assertInputError(await runCli(['client', 'wss://x/', '--resolve', 'x:443:not-an-address']), '--resolve');
  assertInputError(await runCli(['bisect', 'wss://x/', '--connect-to', 'x:443:y']), '--connect-to');
  assertInputError(await runCli(['probe', 'wss://x/', '--servername', 'bad name']), '--servername');
  assertInputError(await runCli(['bisect', 'ws://a/', 'ws://b/', '--at', '127.0.0.1:1']), '--at');
  assertInputError(await runCli(['bisect', 'ws://a/', '--at', '127.0.0.1']), '--at');
  assertInputError(await runCli(['client', 'wss://x/', '--key', tls('client-key.pem')]), '--key needs --cert');
  assertInputError(await runCli(['client', 'wss://x/', '--cert', tls('client-cert.pem'), '--key', tls('client-key-encrypted.pem')]), '--pass');
  assertInputError(await runCli(['client', 'wss://x/', '--cert', tls('client-cert.pem'), '--key', tls('client-key-encrypted.pem'), '--pass', 'wrong']), 'wrong --pass');
  assertInputError(await runCli(['client', 'wss://x/', '--cert', tls('client-cert.pem'), '--key', tls('app-key.pem')]), '--cert/--key');
  assertInputError(await runCli(['client', 'wss://x/', '--cert', tls('client-key.pem'), '--key', tls('client-key.pem')]), '--cert');
  assertInputError(await runCli(['echo', '--port', '0', '--tls-client-ca', tls('test-ca-cert.pem')]), '--tls-client-ca');
});
