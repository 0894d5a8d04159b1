/**
 * The control for real-nginx-strip: the same path through a correctly configured nginx
 * (`proxy_http_version 1.1` + `proxy_set_header Upgrade/Connection`, nginx.org/en/docs/http/websocket.html).
 * Path: wstrace client → proxy "edge" → nginx(good) → proxy "inner" → echo. Everything must be
 * green, and the endpoint's report must show the upgrade intact at both wstrace hops.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOrSkip } from './helpers/real-servers.js';
import { eventOf, log, runCli, startNginxPath, stopAll, type Ev, type Stoppable } from './helpers/real-cli.js';

interface Report {
  httpVersion: string;
  headers: [string, string][];
  via: { receivedBy: string; wstrace?: { upgrade: string } }[];
}

test('nginx(good) between two wstrace hops: client and bisect are green', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const path = await startNginxPath(t, 'good', started);
  const [edgeUrl] = path.urls;

  await t.test('wstrace client --inspect: exit 0, both wstrace hops saw upgrade=present', async () => {
    const r = await runCli(['client', edgeUrl, '--inspect', '--count', '2', '--json'], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = eventOf(r.stdout, 'result') as (Ev & { echoes: { sent: number; matched: number } }) | undefined;
    assert.ok(result, r.stdout);
    assert.equal(result.ok, true);
    assert.equal(result.status, 101);
    assert.equal(result.endpoint, 'echo');
    assert.deepEqual(result.echoes, { sent: 2, matched: 2 });
    assert.equal(result.closeCode, 1000);
    const report = (eventOf(r.stdout, 'inspect') as { report?: Report } | undefined)?.report;
    assert.ok(report, r.stdout);
    assert.deepEqual(report.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), [['edge', 'present'], ['inner', 'present']]);
    assert.equal(report.httpVersion, '1.1');

    const human = await runCli(['client', edgeUrl, '--inspect'], { timeoutMs: 20_000 });
    assert.equal(human.code, 0, human.stdout + human.stderr);
    const viaLine = human.stdout.split('\n').find((l) => l.includes('via chain:'));
    log('real-nginx-good', viaLine?.trim() ?? human.stdout);
    assert.match(viaLine ?? '', /edge \(upgrade=present\) → inner \(upgrade=present\)/);
    assert.match(human.stdout, /^ok: /m);
  });

  await t.test('wstrace bisect over edge, nginx, inner, echo: every URL works, no break, exit 0', async () => {
    const args = ['bisect', ...path.urls, ...path.names.flatMap((n) => ['--name', n])];
    const r = await runCli([...args, '--json'], { timeoutMs: 25_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = eventOf(r.stdout, 'result') as (Ev & { hops: { name: string; ok: boolean; status: number }[] }) | undefined;
    assert.ok(result, r.stdout);
    assert.equal(result.ok, true);
    assert.equal(result.break, null);
    assert.deepEqual(
      result.hops.map((h) => [h.name, h.ok, h.status]),
      path.names.map((n) => [n, true, 101]),
    );
    const human = await runCli(args, { timeoutMs: 25_000 });
    assert.equal(human.code, 0, human.stdout + human.stderr);
    log('real-nginx-good', human.stdout.trim().split('\n').at(-1) ?? '');
  });
});
