/**
 * WebSockets over HTTP/2 through real software (RFC 8441): nghttpx 1.52 and HAProxy 2.6 both
 * advertise extended CONNECT on their TLS h2 fronts and carry WebSockets to wstrace hops behind
 * them; HAProxy's `option h2-workaround-bogus-websocket-clients` is a real front that stops
 * advertising it; and headless Chromium opens the echo's self-test page over h2 through nghttpx
 * and a wstrace hop, its WebSocket travelling as an extended CONNECT (Via: 2 nghttpx).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, TLS_CERT, requireOrSkip, startHaproxy, startNghttpx, withChromium, type HaproxyVariant } from './helpers/real-servers.js';
import { baseOf, eventOf, log, ndjson, runCli, startWstrace, stopAll, type CliServer, type Ev, type Stoppable } from './helpers/real-cli.js';

type Report = { method: string; httpVersion: string; via: { protocol: string; receivedBy: string }[]; h2: { protocol: string } | null };
const viaOf = (r: Report) => r.via.map((v) => `${v.protocol} ${v.receivedBy}`);

/** echo ← wstrace hop (upstream HTTP version given) : what the real front forwards to. */
async function hopAndEcho(t: Parameters<typeof startWstrace>[0], started: Stoppable[], upstreamHttp: '1.1' | '2'): Promise<CliServer> {
  const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'origin-echo']);
  started.push(echo);
  const hop = await startWstrace(t, ['proxy', '--port', '0', '--name', 'hop', '--upstream-http', upstreamHttp, '--target', baseOf(echo)]);
  started.push(hop);
  return hop;
}

test('nghttpx (h2 front, h2 backend) → wstrace hop → echo: --http2 opens over HTTP/2 end to end, Via "2 nghttpx, 2 hop"', async (t) => {
  if (!requireOrSkip(t, 'nghttpx')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const hop = await hopAndEcho(t, started, '2');
  const ng = await startNghttpx('h2', hop.port);
  started.push(ng);
  const r = await runCli(['client', `wss://localhost:${ng.port}/echo`, '--http2', '--ca', TLS_CERT, '--inspect', '--count', '2', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${await ng.logs()}`);
  const events = ndjson(r.stdout);
  assert.equal(events.find((e) => e.event === 'phase' && e.phase === 'tls')!.alpn, 'h2');
  assert.equal(events.find((e) => e.event === 'phase' && e.phase === 'settings')!.enableConnectProtocol, true);
  const report = eventOf<Ev & { report: Report }>(r.stdout, 'inspect')!.report;
  assert.deepEqual(viaOf(report), ['2 nghttpx', '2 hop']);
  assert.equal(report.method, 'CONNECT');
  assert.equal(report.h2?.protocol, 'websocket');
  log('real-h2', `nghttpx: ${viaOf(report).join(', ')}; echo received ${report.method} HTTP/${report.httpVersion}`);
});

async function haproxyPath(t: Parameters<typeof startWstrace>[0], variant: HaproxyVariant, started: Stoppable[]): Promise<string> {
  const hop = await hopAndEcho(t, started, '1.1');
  const hap = await startHaproxy(variant, hop.port);
  started.push(hap);
  return `wss://localhost:${hap.port}/echo`;
}

test('HAProxy 2.6 h2 front → wstrace hop → echo: the extended CONNECT becomes an HTTP/1.1 upgrade behind it', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const url = await haproxyPath(t, 'h2', started);
  const r = await runCli(['client', url, '--http2', '--ca', TLS_CERT, '--inspect', '--json'], { timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(ndjson(r.stdout).find((e) => e.event === 'phase' && e.phase === 'settings')!.enableConnectProtocol, true);
  const report = eventOf<Ev & { report: Report }>(r.stdout, 'inspect')!.report;
  assert.equal(report.method, 'GET');
  assert.equal(report.httpVersion, '1.1');
  assert.deepEqual(viaOf(report), ['1.1 hop']);
});

test('HAProxy with h2-workaround-bogus-websocket-clients: --http2 gets h2-no-extended-connect, --http auto falls back to HTTP/1.1 and works', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const url = await haproxyPath(t, 'h2-no-websocket', started);
  const h2 = await runCli(['client', url, '--http2', '--ca', TLS_CERT, '--json'], { timeoutMs: 20_000 });
  assert.equal(h2.code, 1, h2.stdout + h2.stderr);
  assert.equal(eventOf<Ev & { verdict: { code: string } }>(h2.stdout, 'result')!.verdict.code, 'h2-no-extended-connect');
  const auto = await runCli(['client', url, '--http', 'auto', '--ca', TLS_CERT, '--json'], { timeoutMs: 20_000 });
  assert.equal(auto.code, 0, auto.stdout + auto.stderr);
  assert.match(String(eventOf(auto.stdout, 'fallback')!.reason), /SETTINGS do not enable extended CONNECT/);
  assert.equal(eventOf<Ev & { http: string }>(auto.stdout, 'result')!.http, '1.1');
});

interface PageResult {
  ok: boolean;
  error?: string;
  report?: Report;
}

test('chromium opens the self-test page over HTTP/2 through nghttpx and a wstrace hop: its WebSocket is an extended CONNECT', async (t) => {
  if (!requireOrSkip(t, 'chromium') || !requireOrSkip(t, 'nghttpx')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const hop = await hopAndEcho(t, started, '2');
  const ng = await startNghttpx('h2', hop.port);
  started.push(ng);
  const shot = path.join(REPO_ROOT, 'test-artifacts', 'real-browser-h2.png');
  mkdirSync(path.dirname(shot), { recursive: true });
  const run = await withChromium(
    async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
      try {
        await page.goto(`https://localhost:${ng.port}/`, { timeout: 10_000 });
        await page.waitForFunction('document.title === "PASS" || document.title === "FAIL"', undefined, { timeout: 10_000 });
        const result = (await page.evaluate('window.wstraceResult')) as PageResult;
        const text = (await page.evaluate('document.getElementById("summary").textContent')) as string;
        await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
        return { result, text, title: await page.title() };
      } finally {
        await page.close().catch(() => undefined);
      }
    },
    { timeoutMs: 40_000, args: ['--ignore-certificate-errors'] },
  );
  log('real-h2', `chromium: ${run.title}; ${run.text}; screenshot ${shot}`);
  assert.equal(run.title, 'PASS', JSON.stringify(run.result));
  const report = run.result.report!;
  // nghttpx's Via entry names the protocol it received from the browser: 2 = the WebSocket came as an extended CONNECT.
  assert.deepEqual(viaOf(report), ['2 nghttpx', '2 hop']);
  assert.equal(report.method, 'CONNECT');
  assert.match(run.text, /Browser sentHTTP\/2: an extended CONNECT \(RFC 8441\) to nghttpx/);
});
