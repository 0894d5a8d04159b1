// The proxy between HTTP versions: a WebSocket over h2 (extended CONNECT) converted to an
// HTTP/1.1 upgrade and back, `--upstream-http 2`, the Via entry naming the version received, the
// `no-extended-connect` fault, and bisect naming the h2 hop where WebSockets stop (acceptance 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, assertInputError, ndjson, resultOf, runCli, startCliServer, stopAll, type Ev } from './helpers/cli.js';
import { startH2Peer } from './helpers/h2-peers.js';

type Report = { method: string; httpVersion: string; headers: [string, string][]; via: { protocol: string; receivedBy: string }[] };
const reportOf = (stdout: string) => (ndjson(stdout).find((e) => e.event === 'inspect') as Ev & { report: Report }).report;
const quiet = ['--json', '--log-level', 'warn'];

test('client --http2 → proxy → echo: the h2 WebSocket leaves the hop as an HTTP/1.1 upgrade; Via says "2 edge"', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', ...quiet]);
  const edge = await startCliServer(t, ['proxy', '--port', '0', '--name', 'edge', '--target', `ws://127.0.0.1:${echo.port}`, ...quiet]);
  const r = await runCli(['client', `${edge.url}/echo`, '--http2', '--inspect', '--count', '3', '--json'], { timeoutMs: 15_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const report = reportOf(r.stdout);
  assert.equal(report.method, 'GET');
  assert.equal(report.httpVersion, '1.1');
  assert.deepEqual(report.via.map((v) => `${v.protocol} ${v.receivedBy}`), ['2 edge']);
  const upgrade = ndjson(r.stdout).find((e) => e.event === 'phase' && e.phase === 'upgrade')!;
  // Like the request's, the response's Via entry carries what the hop received: HTTP/2, :protocol as u=websocket.
  assert.match(JSON.stringify(upgrade.headers), /"via","2 edge \(wstrace; upgrade=present; u=websocket c=upgrade v=13 /);
  assert.equal((resultOf(r.stdout) as unknown as { echoes: { matched: number } }).echoes.matched, 3);
  await stopAll(edge, echo);
});

test('--upstream-http 2: an HTTP/1.1 client reaches the echo over h2c; h2 all the way works too', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', ...quiet]);
  const hop = await startCliServer(t, ['proxy', '--port', '0', '--name', 'h2up', '--upstream-http', '2', '--target', `ws://127.0.0.1:${echo.port}`, ...quiet]);
  assert.equal(hop.listening!.upstreamHttp, '2');
  const h1 = await runCli(['client', `${hop.url}/echo`, '--inspect', '--json'], { timeoutMs: 15_000 });
  assert.equal(h1.code, 0, h1.stdout + h1.stderr);
  assert.equal(ndjson(h1.stdout).find((e) => e.event === 'phase' && e.phase === 'upgrade')!.status, 101);
  const report = reportOf(h1.stdout);
  assert.equal(report.method, 'CONNECT');
  assert.equal(report.httpVersion, '2.0');
  assert.ok(report.headers.some(([k, v]) => k === ':protocol' && v === 'websocket'));
  assert.deepEqual(report.via.map((v) => `${v.protocol} ${v.receivedBy}`), ['1.1 h2up']);
  const h2 = await runCli(['client', `${hop.url}/echo`, '--http2', '--inspect', '--json'], { timeoutMs: 15_000 });
  assert.equal(h2.code, 0, h2.stdout + h2.stderr);
  assert.deepEqual(reportOf(h2.stdout).via.map((v) => `${v.protocol} ${v.receivedBy}`), ['2 h2up']);
  await stopAll(hop, echo);
});

test('--upstream-http 2 to upstreams that refuse: a 403 is relayed with its body; a reset becomes 502 naming the h2 code', async (t) => {
  const forbidden = await startH2Peer('status-403');
  const reset = await startH2Peer('reset');
  t.after(() => Promise.all([forbidden.close(), reset.close()]));
  const a = await startCliServer(t, ['proxy', '--port', '0', '--name', 'a', '--upstream-http', '2', '--target', `ws://127.0.0.1:${forbidden.port}`, ...quiet]);
  const b = await startCliServer(t, ['proxy', '--port', '0', '--name', 'b', '--upstream-http', '2', '--target', `ws://127.0.0.1:${reset.port}`, ...quiet]);
  const r403 = await runCli(['client', `${a.url}/echo`, '--json', '--timeout', '3s'], { timeoutMs: 15_000 });
  const resp = ndjson(r403.stdout).find((e) => e.event === 'response')!;
  assert.equal(resp.status, 403);
  assert.match(String(resp.body), /no websockets for you/);
  const rst = await runCli(['client', `${b.url}/echo`, '--http2', '--json', '--timeout', '3s'], { timeoutMs: 15_000 });
  const v = resultOf(rst.stdout).verdict!;
  assert.equal(v.code, 'h2-connect-rejected');
  assert.match(v.evidence.join(' '), /REFUSED_STREAM/);
  await stopAll(a, b);
});

test('fault no-extended-connect: h2 clients get h2-no-extended-connect, HTTP/1.1 and --http auto still work', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', ...quiet]);
  const hop = await startCliServer(t, ['proxy', '--port', '0', '--fault', 'no-extended-connect', '--target', `ws://127.0.0.1:${echo.port}`, ...quiet]);
  const h2 = await runCli(['client', `${hop.url}/echo`, '--http2', '--json'], { timeoutMs: 15_000 });
  assert.equal(resultOf(h2.stdout).verdict?.code, 'h2-no-extended-connect', h2.stdout);
  const settings = ndjson(h2.stdout).find((e) => e.event === 'phase' && e.phase === 'settings')!;
  assert.equal(settings.enableConnectProtocol, false);
  const h1 = await runCli(['client', `${hop.url}/echo`, '--json'], { timeoutMs: 15_000 });
  assert.equal(h1.code, 0, h1.stdout);
  // Request faults answer h2 clients too: the hop's own status, named in x-wstrace-hop.
  const gate = await startCliServer(t, ['proxy', '--port', '0', '--name', 'gate', '--fault', 'status=503', '--target', `ws://127.0.0.1:${echo.port}`, ...quiet]);
  const refused = await runCli(['client', `${gate.url}/echo`, '--http2', '--json'], { timeoutMs: 15_000 });
  const v = resultOf(refused.stdout).verdict!;
  assert.equal(v.code, 'h2-connect-rejected', refused.stdout);
  assert.match(v.evidence.join(' '), /wstrace hop "gate"/);
  await stopAll(gate, hop, echo);
});

test('chain edge (h2 upstream) → lb (no extended CONNECT, HTTP/1.1 upstream) → echo: bisect --http2 names "lb" and says HTTP/1.1 works there', async (t) => {
  const chain = await startCliServer(t, ['chain', path.join(REPO_ROOT, 'fixtures', 'h2-hop-without-extended-connect.json'), ...quiet]);
  const layers = chain.listening!.layers as { name: string; url: string }[];
  assert.deepEqual(layers.map((l) => l.name), ['edge', 'lb', 'echo']);
  const r = await runCli(['bisect', ...layers.map((l) => l.url), ...layers.flatMap((l) => ['--name', l.name]), '--http2', '--json'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const res = resultOf(r.stdout) as unknown as { break: { outer: number; inner: number; code: string }; fallback: { index: number; ok: boolean }; verdict: { summary: string; evidence: string[] } };
  assert.deepEqual(res.break, { outer: 1, inner: 2, code: 'h2-no-extended-connect' });
  assert.match(res.verdict.summary, /"lb" \(#2\) fails/);
  assert.deepEqual(res.fallback, { index: 1, ok: true, code: null });
  assert.match(res.verdict.evidence.join(' '), /over HTTP\/1\.1 the same URL works/);
  // Over HTTP/1.1 the whole path is healthy: the "works in curl, fails in the browser" case.
  const h1 = await runCli(['bisect', ...layers.map((l) => l.url), '--json'], { timeoutMs: 30_000 });
  assert.equal(h1.code, 0, h1.stdout);
  await chain.stop();
});

test('--upstream-http and a chain hop\'s upstreamHttp: bad values are one-line input errors', async (t) => {
  assertInputError(await runCli(['proxy', '--port', '0', '--target', 'ws://127.0.0.1:1', '--upstream-http', '3']), '--upstream-http "3"');
  const dir = mkdtempSync(path.join(tmpdir(), 'wstrace-h2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ description: 'bad upstreamHttp value for the test', hops: [{ upstreamHttp: 'h3' }] }));
  assertInputError(await runCli(['chain', file]), 'upstreamHttp');
});

test('probe --http 2: extended CONNECT, multiplexing, a bad frame failing one stream only, flow control past the initial window', async (t) => {
  const echo = await startCliServer(t, ['echo', '--port', '0', ...quiet]);
  const healthy = await runCli(['probe', echo.url, '--http2', '--json'], { timeoutMs: 30_000 });
  assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
  const rows = ndjson(healthy.stdout).filter((e) => e.event === 'check');
  assert.deepEqual(rows.map((r) => `${String(r.name)}:${String(r.status)}`), ['h2-extended-connect:pass', 'h2-multiplex:pass', 'h2-bad-frame:pass', 'h2-flow-control:pass']);
  assert.equal(rows.find((r) => r.name === 'h2-bad-frame')!.closeCode, 1002);
  const hop = await startCliServer(t, ['proxy', '--port', '0', '--fault', 'no-extended-connect', '--target', `ws://127.0.0.1:${echo.port}`, ...quiet]);
  const broken = await runCli(['probe', `${hop.url}/echo`, '--http2', '--check', 'h2-extended-connect', '--json'], { timeoutMs: 30_000 });
  assert.equal(broken.code, 1, broken.stdout);
  assert.equal(resultOf(broken.stdout).verdict?.code, 'h2-no-extended-connect');
  assertInputError(await runCli(['probe', echo.url, '--http', 'auto']), '--http auto');
  assertInputError(await runCli(['probe', echo.url, '--http2', '--check', 'ping']), 'h2 checks are');
  await stopAll(hop, echo);
});
