/**
 * Real browser in the path: headless Chromium loads the endpoint's self-test page THROUGH a
 * `wstrace proxy` (plain HTTP is forwarded too), and the page's own WebSocket goes back
 * through the same proxy. What a browser sends (Origin, permessage-deflate offer, a
 * User-Agent) is something no test client of ours fakes, so the handshake report the page
 * shows must carry it. A screenshot lands in test-artifacts/ for a human to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, requireOrSkip, startNginx, withChromium, type RealServer } from './helpers/real-servers.js';
import { baseOf, log, startWstrace, stopAll, type CliServer } from './helpers/real-cli.js';

interface PageResult {
  url?: string;
  ok: boolean;
  echoMatched?: boolean;
  extensions?: string;
  error?: string;
  report?: { headers: [string, string][]; via: { receivedBy: string; wstrace?: { upgrade: string } }[] };
}

interface PageRun {
  result: PageResult;
  title: string;
  /** Response headers of the page itself. */
  served: Record<string, string>;
  hint: string | null;
}

/** Loads the self-test page, waits for its verdict (its own deadline is 5 s), saves a screenshot. */
async function runSelfTest(pageUrl: string, screenshot: string): Promise<PageRun> {
  const shot = path.join(REPO_ROOT, 'test-artifacts', screenshot);
  mkdirSync(path.dirname(shot), { recursive: true });
  const run = await withChromium(
    async (browser) => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 760 } });
      try {
        const res = await page.goto(pageUrl, { timeout: 10_000 });
        const served = res ? await res.allHeaders() : {};
        await page.waitForFunction('document.title === "PASS" || document.title === "FAIL"', undefined, { timeout: 10_000 });
        const result = (await page.evaluate('window.wstraceResult')) as PageResult;
        const hint = (await page.evaluate('document.getElementById("hint").hidden ? null : document.getElementById("hint").textContent')) as string | null;
        await page.screenshot({ path: shot, fullPage: true, timeout: 10_000 });
        return { result, title: await page.title(), served, hint };
      } finally {
        await page.close().catch(() => undefined);
      }
    },
    { timeoutMs: 30_000 },
  );
  log('real-browser', `${run.title} ${JSON.stringify({ error: run.result.error, extensions: run.result.extensions })}; screenshot ${shot}`);
  return run;
}

test('chromium runs the self-test page through a wstrace proxy: PASS, and the report shows what a browser sends', async (t) => {
  if (!requireOrSkip(t, 'chromium')) return;
  const started: CliServer[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'origin-echo']);
  started.push(echo);
  const proxy = await startWstrace(t, ['proxy', '--target', baseOf(echo), '--name', 'browser-hop']);
  started.push(proxy);
  const pageOrigin = baseOf(proxy).replace(/^ws/, 'http');

  const { result, title, served } = await runSelfTest(`${pageOrigin}/`, 'real-browser-pass.png');

  // The page itself came through the hop: the proxy tags responses too.
  assert.equal(served['x-wstrace-endpoint'], 'origin-echo');
  assert.match(served['via'] ?? '', /browser-hop/);
  assert.equal(title, 'PASS', JSON.stringify(result));
  assert.equal(result.ok, true);
  assert.equal(result.echoMatched, true);
  assert.match(result.extensions ?? '', /permessage-deflate/);

  const report = result.report;
  assert.ok(report, 'the page received the handshake report');
  const header = (name: string): string | undefined => report.headers.find(([k]) => k.toLowerCase() === name)?.[1];
  // Browsers always send Origin (RFC 6455 §4.1 item 8 for browser clients): the page's own origin, the proxy.
  assert.equal(header('origin'), pageOrigin);
  assert.match(header('sec-websocket-extensions') ?? '', /permessage-deflate/);
  assert.match(header('user-agent') ?? '', /Chrom/);
  assert.deepEqual(
    report.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]),
    [['browser-hop', 'present']],
  );
});

test('chromium through nginx(strips-upgrade): the page loads but its WebSocket FAILs, and it names the next step', async (t) => {
  if (!requireOrSkip(t, 'chromium') || !requireOrSkip(t, 'nginx')) return;
  const started: (CliServer | RealServer)[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0']);
  started.push(echo);
  const nginx = await startNginx('strips-upgrade', echo.port);
  started.push(nginx);
  const edge = await startWstrace(t, ['proxy', '--target', nginx.url, '--name', 'edge']);
  started.push(edge);

  const { result, title, served, hint } = await runSelfTest(`${baseOf(edge).replace(/^ws/, 'http')}/`, 'real-browser-fail.png');
  // Plain HTTP passes nginx fine: the page itself arrived through both hops.
  assert.equal(served['x-wstrace-endpoint'], 'echo');
  assert.match(served['server'] ?? '', /nginx/);
  assert.equal(title, 'FAIL');
  assert.equal(result.ok, false);
  assert.match(result.error ?? '', /WebSocket failed|closed 1006/);
  assert.ok(hint?.includes(`wstrace client ${baseOf(edge)}/echo --inspect`), `hint: ${hint}`);
});
