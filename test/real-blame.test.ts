/**
 * Blame only what was observed, with real nginx in the path:
 * - between two wstrace hops, first the origin and then the inner wstrace hop go down: each
 *   time the client names who answered (the inner hop's refused connect, then nginx's own 502)
 *   and never claims that a working hop's upstream is down;
 * - a plain HTTP app (200 to everything) behind a correct nginx: "does not speak WebSocket".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requireOrSkip, startNginx } from './helpers/real-servers.js';
import { eventOf, log, runCli, startNginxPath, stopAll, type Ev, type Stoppable } from './helpers/real-cli.js';

interface Result extends Ev {
  status: number | null;
  verdict: { code: string; summary: string; evidence: string[]; next: string };
}

async function client(url: string): Promise<Result> {
  const r = await runCli(['client', url, '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const result = eventOf<Result>(r.stdout, 'result');
  assert.ok(result, r.stdout);
  log('real-blame', `${result.status} ${result.verdict.code}: ${result.verdict.summary} | next: ${result.verdict.next}`);
  return result;
}

test('edge → nginx → inner → dead origin, then inner dead too: the client blames only the hop that failed', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const path = await startNginxPath(t, 'good', started);
  const [echo, inner] = [started[0]!, started[1]!];

  await echo.stop();
  started.splice(started.indexOf(echo), 1);
  const r1 = await client(path.urls[0]);
  assert.equal(r1.status, 502);
  assert.match(r1.verdict.summary, /^hop "inner" could not connect to its upstream ws:\/\/127\.0\.0\.1:\d+: connection refused/);
  assert.match(r1.verdict.next, /start the server there, or fix the --target of "inner"/);
  assert.doesNotMatch(JSON.stringify(r1.verdict), /"edge" could not|upstream of "edge"/);

  await inner.stop();
  started.splice(started.indexOf(inner), 1);
  const r2 = await client(path.urls[0]);
  assert.equal(r2.status, 502);
  assert.match(r2.verdict.summary, /^502 Bad Gateway from nginx: the hop that answered got no valid answer from its upstream/);
  assert.match(r2.verdict.evidence[0]!, /Server: nginx/);
  assert.match(r2.verdict.next, /^nginx: check the `proxy_pass` address/);
  // edge relayed nginx's answer: it is neither blamed nor its upstream called down, and the
  // user who typed ws:// is not told to try wss:// for a proxy that answered in plain HTTP.
  assert.doesNotMatch(JSON.stringify(r2.verdict), /hop "edge"|upstream of "edge"|wss:\/\//);
});

test('a plain HTTP app answering 200 behind nginx: the verdict says it does not speak WebSocket at that path', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  const app = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>shop</title><h1>Welcome</h1>\n');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const started: Stoppable[] = [];
  t.after(async () => {
    await stopAll(started);
    await new Promise((resolve) => app.close(resolve));
  });
  const nginx = await startNginx('good', (app.address() as AddressInfo).port);
  started.push(nginx);
  const r = await client(`${nginx.url}/live`);
  assert.equal(r.status, 200);
  assert.equal(r.verdict.code, 'http-error');
  assert.match(r.verdict.summary, /^200 OK \(text\/html; charset=utf-8\) to an upgrade: the server at this path does not speak WebSocket/);
  assert.match(r.verdict.next, /check the path and the routing/);
  assert.match(r.verdict.evidence[0]!, /software: nginx \(Server: nginx/);
});
