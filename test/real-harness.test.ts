/**
 * Smoke test of the real-software harness (test/helpers/real-servers.ts): every nginx and
 * HAProxy fixture is started for real in front of a tiny in-test `ws` echo server and must
 * do what its name says; the Python `websockets` client and Chromium must echo through.
 * Missing binaries skip loudly locally and FAIL under CI=true.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { WebSocketServer, WebSocket } from 'ws';
import {
  REPO_ROOT,
  requireOrSkip,
  runPythonClient,
  startHaproxy,
  startNginx,
  withChromium,
  type RealServer,
} from './helpers/real-servers.js';

interface SeenRequest {
  kind: 'http' | 'upgrade';
  httpVersion: string;
  headers: http.IncomingHttpHeaders;
}

interface EchoServer {
  port: number;
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>wstrace chromium probe</title></head>
<body><h1>wstrace chromium probe</h1><pre id="out">waiting…</pre>
<script>
window.runEcho = (url, msg) => new Promise((resolve) => {
  const out = document.getElementById('out');
  let settled = false;
  const done = (r) => {
    if (settled) return;
    settled = true; clearTimeout(timer); out.textContent = JSON.stringify(r, null, 2); resolve(r);
  };
  const timer = setTimeout(() => done({ ok: false, reason: 'timeout' }), 5000);
  let ws;
  try { ws = new WebSocket(url); } catch (e) { done({ ok: false, reason: String(e) }); return; }
  ws.onopen = () => ws.send(msg);
  ws.onmessage = (e) => { done({ ok: e.data === msg, received: e.data, protocol: ws.protocol }); ws.close(1000); };
  ws.onerror = () => done({ ok: false, reason: 'error event' });
  ws.onclose = (e) => done({ ok: false, reason: 'closed ' + e.code });
});
</script></body></html>`;

/** A ws echo server on an http server that records every request it sees. */
async function startEcho(): Promise<EchoServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ kind: 'http', httpVersion: req.httpVersion, headers: req.headers });
    if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
      return;
    }
    // What a WebSocket-only endpoint answers to a plain GET (ws's own server does the same).
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close' });
    res.end('Upgrade Required');
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    requests.push({ kind: 'upgrade', httpVersion: req.httpVersion, headers: req.headers });
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  assert.ok(addr && typeof addr === 'object');
  const port = addr.port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

type OpenOutcome =
  | { kind: 'open'; ws: WebSocket }
  | { kind: 'unexpected-response'; status: number; body: string }
  | { kind: 'error'; error: Error }
  | { kind: 'timeout' };

function openWs(url: string, timeoutMs = 5_000): Promise<OpenOutcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { handshakeTimeout: timeoutMs });
    let settled = false;
    const finish = (o: OpenOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (o.kind !== 'open') ws.terminate();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs + 500);
    ws.once('open', () => finish({ kind: 'open', ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      const status = res.statusCode ?? 0;
      res.on('end', () => finish({ kind: 'unexpected-response', status, body }));
      res.on('error', () => finish({ kind: 'unexpected-response', status, body }));
      setTimeout(() => finish({ kind: 'unexpected-response', status, body }), 1_000);
    });
    ws.on('error', (error) => finish({ kind: 'error', error }));
  });
}

async function mustOpen(url: string): Promise<WebSocket> {
  const o = await openWs(url);
  assert.equal(o.kind, 'open', `expected ${url} to open, got ${JSON.stringify(o)}`);
  return (o as { ws: WebSocket }).ws;
}

function echoOnce(ws: WebSocket, msg: string, timeoutMs = 3_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no echo within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (data: WebSocket.RawData): void => {
      cleanup();
      resolve(data.toString());
    };
    const onClose = (code: number): void => {
      cleanup();
      reject(new Error(`closed (${code}) before echo`));
    };
    function cleanup(): void {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    }
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(msg);
  });
}

/** Open a connection through the proxy, send nothing, measure when the proxy kills it. */
async function measureIdleClose(url: string, deadlineMs: number): Promise<{ code: number; elapsedMs: number }> {
  const ws = await mustOpen(url);
  const openedAt = performance.now();
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not closed within ${deadlineMs} ms`)), deadlineMs);
      ws.on('error', () => undefined);
      ws.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, elapsedMs: performance.now() - openedAt });
      });
    });
  } finally {
    ws.terminate();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Start echo + proxy, run body, always stop both; on failure attach the proxy's logs. */
async function withProxy(
  start: (upstreamPort: number) => Promise<RealServer>,
  body: (proxy: RealServer, echo: EchoServer) => Promise<void>,
): Promise<void> {
  const echo = await startEcho();
  let proxy: RealServer | undefined;
  try {
    proxy = await start(echo.port);
    await body(proxy, echo);
  } catch (err) {
    if (proxy && err instanceof Error) err.message += `\n${await proxy.logs()}`;
    throw err;
  } finally {
    await proxy?.stop();
    await echo.close();
  }
}

function log(msg: string): void {
  process.stderr.write(`[real-harness] ${msg}\n`);
}

test('nginx good: WebSocket echoes through and survives idling past the short timeouts', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  await withProxy(
    (up) => startNginx('good', up),
    async (proxy, echo) => {
      const ws = await mustOpen(proxy.url);
      try {
        assert.equal(await echoOnce(ws, 'hello nginx'), 'hello nginx');
        const up = echo.requests.find((r) => r.kind === 'upgrade');
        assert.ok(up, 'upstream saw the upgrade');
        assert.equal(up.headers.upgrade?.toLowerCase(), 'websocket');
        await sleep(3_500); // longer than idle-3s / tunnel-2s would allow
        assert.equal(ws.readyState, WebSocket.OPEN);
        assert.equal(await echoOnce(ws, 'still here'), 'still here');
      } finally {
        ws.terminate();
      }
    },
  );
});

test('nginx strips-upgrade: no 101, upstream sees a plain GET without Upgrade', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  await withProxy(
    (up) => startNginx('strips-upgrade', up),
    async (proxy, echo) => {
      const o = await openWs(proxy.url);
      assert.equal(o.kind, 'unexpected-response', JSON.stringify(o));
      const { status } = o as { status: number };
      log(`nginx strips-upgrade: client got HTTP ${status}`);
      assert.notEqual(status, 101);
      assert.equal(status, 426, 'the upstream 426 Upgrade Required is relayed');
      assert.equal(echo.requests.filter((r) => r.kind === 'upgrade').length, 0);
      const plain = echo.requests.find((r) => r.kind === 'http');
      assert.ok(plain, 'upstream saw a request');
      log(`nginx strips-upgrade: upstream saw HTTP/${plain.httpVersion} headers=${JSON.stringify(plain.headers)}`);
      assert.equal(plain.headers.upgrade, undefined, 'Upgrade header was stripped');
      assert.equal(plain.httpVersion, '1.0', 'nginx default proxy_http_version is 1.0');
      assert.equal(plain.headers.connection, 'close');
    },
  );
});

test('nginx idle-3s: idle WebSocket is cut after ~3 s with no close frame', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  await withProxy(
    (up) => startNginx('idle-3s', up),
    async (proxy) => {
      const r = await measureIdleClose(proxy.url, 8_000);
      log(`nginx idle-3s: closed after ${r.elapsedMs.toFixed(0)} ms, code ${r.code}`);
      assert.equal(r.code, 1006);
      assert.ok(r.elapsedMs >= 2_500 && r.elapsedMs <= 6_000, `elapsed ${r.elapsedMs} ms`);
    },
  );
});

test('haproxy good: WebSocket echoes through and survives idling past the short timeouts', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  await withProxy(
    (up) => startHaproxy('good', up),
    async (proxy, echo) => {
      const ws = await mustOpen(proxy.url);
      try {
        assert.equal(await echoOnce(ws, 'hello haproxy'), 'hello haproxy');
        assert.ok(echo.requests.some((r) => r.kind === 'upgrade'), 'upstream saw the upgrade');
        await sleep(3_500);
        assert.equal(ws.readyState, WebSocket.OPEN);
        assert.equal(await echoOnce(ws, 'still here'), 'still here');
      } finally {
        ws.terminate();
      }
    },
  );
});

for (const variant of ['tunnel-2s', 'no-tunnel-timeout'] as const) {
  test(`haproxy ${variant}: idle WebSocket is cut after ~2 s with no close frame`, async (t) => {
    if (!requireOrSkip(t, 'haproxy')) return;
    await withProxy(
      (up) => startHaproxy(variant, up),
      async (proxy) => {
        // The handshake itself still works: this is an idle problem, not an upgrade problem.
        const ws = await mustOpen(proxy.url);
        try {
          assert.equal(await echoOnce(ws, 'ping'), 'ping');
        } finally {
          ws.terminate();
        }
        const r = await measureIdleClose(proxy.url, 7_000);
        log(`haproxy ${variant}: closed after ${r.elapsedMs.toFixed(0)} ms, code ${r.code}`);
        assert.equal(r.code, 1006);
        assert.ok(r.elapsedMs >= 1_500 && r.elapsedMs <= 5_000, `elapsed ${r.elapsedMs} ms`);
      },
    );
  });
}

test('python websockets client echoes through a direct connection', async (t) => {
  if (!requireOrSkip(t, 'python3-websockets')) return;
  const echo = await startEcho();
  try {
    const r = await runPythonClient(echo.url, ['hello', 'wstrace ✓ unicode'], 15_000);
    const lines = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    log(`python client: ${lines.at(-1) ? JSON.stringify(lines.at(-1)) : '(no output)'}`);
    assert.equal(r.code, 0, `stdout=${r.stdout}\nstderr=${r.stderr}`);
    assert.deepEqual(lines.slice(0, -1), [
      { sent: 'hello', received: 'hello', ok: true },
      { sent: 'wstrace ✓ unicode', received: 'wstrace ✓ unicode', ok: true },
    ]);
    assert.equal(lines.at(-1)?.result, 'ok');
  } finally {
    await echo.close();
  }
});

test('chromium opens a WebSocket to the echo server and gets the echo', async (t) => {
  if (!requireOrSkip(t, 'chromium')) return;
  const echo = await startEcho();
  try {
    const result = await withChromium(
      async (browser) => {
        const page = await browser.newPage();
        try {
          await page.goto(`http://127.0.0.1:${echo.port}/page`, { timeout: 10_000 });
          const r = (await page.evaluate(`runEcho(${JSON.stringify(echo.url)}, "hello chromium")`)) as {
            ok: boolean;
            received?: string;
            reason?: string;
          };
          const dir = path.join(REPO_ROOT, 'test-artifacts');
          mkdirSync(dir, { recursive: true });
          await page.screenshot({ path: path.join(dir, 'real-harness-chromium.png'), timeout: 10_000 });
          return r;
        } finally {
          await page.close().catch(() => undefined);
        }
      },
      { timeoutMs: 30_000 },
    );
    log(`chromium: ${JSON.stringify(result)}`);
    assert.deepEqual(result, { ok: true, received: 'hello chromium', protocol: '' });
    const up = echo.requests.find((r) => r.kind === 'upgrade');
    assert.ok(up, 'echo server saw the browser upgrade');
    assert.match(String(up.headers['user-agent']), /Chrom/);
  } finally {
    await echo.close();
  }
});
