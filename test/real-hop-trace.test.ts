/**
 * The hop trace against real nginx (issue 11): a real hop between two wstrace hops that removes
 * Sec-WebSocket-Protocol, rewrites Origin, or forwards the upgrade as HTTP/1.0. The client names
 * the change from the Via digests; bisect names the real hop by the neighbour rule.
 */
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { resultOf, runCli } from './helpers/cli.js';
import { baseOf, startWstrace, stopAll, type Stoppable } from './helpers/real-cli.js';
import { requireOrSkip, startNginx, startPyApp, type NginxVariant, type PyAppMode } from './helpers/real-servers.js';

interface Path {
  /** edge, nginx, inner, origin: outermost first. */
  urls: string[];
  names: string[];
}

/** client → wstrace "edge" → real nginx(variant) → wstrace "inner" → origin (wstrace echo, or a Python app). */
async function nginxPath(t: TestContext, variant: NginxVariant, origin: { py: PyAppMode; arg: string } | 'echo'): Promise<Path | undefined> {
  if (requireOrSkip(t, 'nginx') === null) return undefined;
  if (origin !== 'echo' && requireOrSkip(t, 'python3-websockets') === null) return undefined;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  let originUrl: string;
  let originBase: string;
  if (origin === 'echo') {
    const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'echo']);
    started.push(echo);
    originUrl = echo.url;
    originBase = baseOf(echo);
  } else {
    const app = await startPyApp(origin.py, origin.arg);
    started.push(app);
    originUrl = `${app.url}/`;
    originBase = app.url;
  }
  const inner = await startWstrace(t, ['proxy', '--target', originBase, '--name', 'inner']);
  started.push(inner);
  const nginx = await startNginx(variant, inner.port);
  started.push(nginx);
  const edge = await startWstrace(t, ['proxy', '--target', nginx.url, '--name', 'edge']);
  started.push(edge);
  const path = new URL(originUrl).pathname;
  return {
    urls: [`${baseOf(edge)}${path}`, `${nginx.url}${path}`, `${baseOf(inner)}${path}`, originUrl],
    names: ['edge', 'nginx', 'inner', 'origin'],
  };
}

const named = (p: Path) => p.names.flatMap((n) => ['--name', n]);

describe('hop trace through real nginx', { concurrency: 3 }, () => {
  it('nginx removes Sec-WebSocket-Protocol before an app that requires one (400): subprotocol-mismatch; bisect names nginx', async (t) => {
    const p = await nginxPath(t, 'strips-subprotocol', { py: 'subprotocol', arg: 'chat.v1' });
    if (!p) return;
    const c = await runCli(['client', p.urls[0]!, '--subprotocol', 'chat.v1', '--json'], { timeoutMs: 20_000 });
    assert.equal(c.code, 1, c.stdout + c.stderr);
    const v = resultOf(c.stdout).verdict!;
    assert.equal(v.code, 'subprotocol-mismatch', JSON.stringify(v));
    assert.match(v.summary, /Sec-WebSocket-Protocol was removed between "edge" and "inner"/);

    const b = await runCli(['bisect', ...p.urls, ...named(p), '--subprotocol', 'chat.v1', '--json'], { timeoutMs: 30_000 });
    assert.equal(b.code, 1, b.stdout + b.stderr);
    const r = resultOf(b.stdout) as unknown as { break: { outer: number; inner: number; code: string }; verdict: { summary: string; next: string } };
    assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'subprotocol-mismatch' });
    assert.match(r.verdict.summary, /"nginx" \(#2\) changes the handshake \(Sec-WebSocket-Protocol removed: "chat.v1" → absent\)/);
    assert.match(r.verdict.next, /^fix "nginx"/);
  });

  it('nginx rewrites Origin before an app that checks it (403): bisect names nginx and the header', async (t) => {
    const p = await nginxPath(t, 'rewrites-origin', { py: 'origin', arg: 'https://app.example' });
    if (!p) return;
    const b = await runCli(['bisect', ...p.urls, ...named(p), '--origin', 'https://app.example', '--json'], { timeoutMs: 30_000 });
    assert.equal(b.code, 1, b.stdout + b.stderr);
    const r = resultOf(b.stdout) as unknown as { break: { outer: number; inner: number; code: string }; verdict: { summary: string }; alterations: { name: string; header: string; after: string }[] };
    assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'origin-rejected' });
    assert.match(r.verdict.summary, /"nginx" \(#2\) changes the handshake \(Origin rewritten: "https:\/\/app.example" → "https:\/\/internal.example"\)/);
    assert.ok(r.alterations.some((a) => a.name === 'nginx' && a.header === 'Origin' && a.after === 'https://internal.example'), JSON.stringify(r.alterations));
    const human = await runCli(['bisect', ...p.urls, ...named(p), '--origin', 'https://app.example'], { timeoutMs: 30_000 });
    assert.match(human.stdout, /hop trace: "nginx" \(#2\) changes Origin: "https:\/\/app.example" → "https:\/\/internal.example"/);
  });

  it('nginx proxy_http_version 1.0 between two wstrace hops: version-downgrade; bisect names nginx', async (t) => {
    const p = await nginxPath(t, 'http10', 'echo');
    if (!p) return;
    const c = await runCli(['client', p.urls[0]!, '--json'], { timeoutMs: 20_000 });
    assert.equal(c.code, 1, c.stdout + c.stderr);
    const v = resultOf(c.stdout).verdict!;
    assert.equal(v.code, 'version-downgrade', JSON.stringify(v));
    assert.match(v.summary, /HTTP\/1\.0 between "edge" and "inner"/);

    const b = await runCli(['bisect', ...p.urls, ...named(p), '--json'], { timeoutMs: 30_000 });
    assert.equal(b.code, 1, b.stdout + b.stderr);
    const r = resultOf(b.stdout) as unknown as { break: { outer: number; inner: number; code: string }; verdict: { summary: string } };
    assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'version-downgrade' });
    assert.match(r.verdict.summary, /"nginx" \(#2\) forwards the upgrade as HTTP\/1\.0/);
  });
});
