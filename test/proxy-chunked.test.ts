// A backend that refuses an upgrade with a chunked body (nginx and most app servers do) must
// reach the client as a readable HTTP answer through a wstrace hop, not as a parser error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { runCli, resultOf, startCliServer } from './helpers/cli.js';

function chunkedApp(): Promise<{ server: Server; base: string }> {
  const server = createServer((_req, res) => {
    // No Content-Length: Node sends Transfer-Encoding: chunked, in two chunks.
    res.writeHead(404, { 'Content-Type': 'application/json', Server: 'fake-fastapi' });
    res.write('{"detail":');
    setTimeout(() => res.end('"Not Found"}'), 10);
  });
  server.on('upgrade', (_req, socket) => {
    socket.end('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nServer: fake-fastapi\r\n\r\n9\r\nNot Found\r\n0\r\n\r\n');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    resolve({ server, base: `ws://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` });
  }));
}

test('a chunked refusal of the upgrade reaches the client intact through a hop', async (t) => {
  const app = await chunkedApp();
  t.after(() => { app.server.closeAllConnections(); app.server.close(); });
  const hop = await startCliServer(t, ['proxy', '--target', app.base, '--name', 'edge', '--json', '--log-level', 'warn']);
  const r = await runCli(['client', `${hop.url}/ws`, '--json', '--timeout', '3s'], { timeoutMs: 10_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const result = resultOf(r.stdout);
  assert.equal(result.status, 404);
  assert.equal(result.verdict?.code, 'http-error', JSON.stringify(result.verdict));
  assert.ok(result.verdict!.evidence.some((e) => e.includes('Not Found')), 'the body made it through');
  assert.ok(result.verdict!.evidence.some((e) => e.includes('fake-fastapi')), 'Server header names the app');
});

test('the same through a strip-upgrade hop: the app answers a plain GET with a chunked 404', async (t) => {
  const app = await chunkedApp();
  t.after(() => { app.server.closeAllConnections(); app.server.close(); });
  const hop = await startCliServer(t, ['proxy', '--target', app.base, '--name', 'elb', '--fault', 'strip-upgrade', '--json', '--log-level', 'warn']);
  const r = await runCli(['client', `${hop.url}/ws`, '--json', '--timeout', '3s'], { timeoutMs: 10_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const result = resultOf(r.stdout);
  assert.equal(result.status, 404);
  assert.equal(result.verdict?.code, 'http-error');
  assert.ok(result.verdict!.evidence.some((e) => e.includes('{"detail":"Not Found"}')), JSON.stringify(result.verdict));
});
