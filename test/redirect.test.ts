// Redirects of the upgrade: a 3xx names its Location; --location follows up to 5 (curl -L),
// each a `redirect` phase, in client, bisect and probe. The redirecting server is a plain
// node:http server, as an app behind a trailing-slash or http→https rule answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';

function redirector(echoUrl: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const hop = /^\/hop\/(\d+)$/.exec(url);
    if (url === '/old') res.writeHead(301, { Location: '/new' }).end();
    else if (url === '/new') res.writeHead(302, { Location: echoUrl.replace(/^ws/, 'http') }).end();
    else if (url === '/loop') res.writeHead(307, { Location: '/loop' }).end();
    else if (hop) res.writeHead(302, { Location: `/hop/${Number(hop[1]) + 1}` }).end();
    else res.writeHead(404).end();
  });
  // Upgrades get the same answers: a server that redirects does so before looking at Upgrade.
  server.on('upgrade', (req, socket) => {
    const fake = { writeHead: (status: number, headers: Record<string, string>) => ({ end: () => socket.end(`HTTP/1.1 ${status} Redirect\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Content-Length: 0\r\nConnection: close\r\n\r\n`) }) };
    server.emit('request', req, fake);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `ws://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

test('a 3xx names its Location; --location follows it (each a phase) to the echo', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
  const { server, base } = await redirector(echo.url);
  t.after(() => server.close());

  const plain = await runCli(['client', `${base}/old`, '--json']);
  const v = resultOf(plain.stdout).verdict!;
  assert.equal(v.code, 'http-error');
  assert.match(v.summary, /301 Redirect to \/new: WebSocket clients do not follow redirects/);
  assert.match(v.next, /--location/);

  const r = await runCli(['client', `${base}/old`, '--location', '--json']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const redirects = ndjson(r.stdout).filter((e) => e.phase === 'redirect');
  assert.deepEqual(redirects.map((e) => [e.status, e.to]), [[301, `${base}/new`], [302, echo.url]]);

  const b = await runCli(['bisect', `${base}/old`, '--location', '--json'], { timeoutMs: 20_000 });
  assert.equal(b.code, 0, b.stdout + b.stderr);
  const p = await runCli(['probe', `${base}/old`, '--location', '--check', 'handshake', '--json'], { timeoutMs: 30_000 });
  assert.equal(p.code, 0, p.stdout + p.stderr);
  assert.equal(resultOf(p.stdout).url, echo.url, 'the checks ran against the final URL');
  await echo.stop();
});

test('--location stops at a loop and after 5 redirects', async (t) => {
  const { server, base } = await redirector('ws://127.0.0.1:1/');
  t.after(() => server.close());
  const loop = await runCli(['client', `${base}/loop`, '--location', '--json']);
  assert.match(resultOf(loop.stdout).verdict!.summary, /redirect loop/);
  const many = await runCli(['client', `${base}/hop/1`, '--location', '--json']);
  const v = resultOf(many.stdout).verdict!;
  assert.match(v.summary, /more than 5 redirects/);
  assert.equal(ndjson(many.stdout).filter((e) => e.phase === 'redirect').length, 5);
});
