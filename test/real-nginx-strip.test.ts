/**
 * The classic real-world break: nginx with a bare `proxy_pass` (no `proxy_http_version 1.1`,
 * no `proxy_set_header Upgrade/Connection`) forwards the upgrade as a plain HTTP/1.0 GET.
 * Path: wstrace client → proxy "edge" → nginx(strips-upgrade) → proxy "inner" → echo.
 * `wstrace client` must name the cause and place it between the two wstrace hops by their Via
 * entries; `wstrace bisect` over the four entry points must name nginx as the broken link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOrSkip } from './helpers/real-servers.js';
import { eventOf, log, runCli, startNginxPath, stopAll, type Ev, type Stoppable } from './helpers/real-cli.js';

interface Verdict {
  code: string;
  summary: string;
  evidence: string[];
  next: string;
}
interface ViaEntry {
  receivedBy: string;
  wstrace?: { upgrade: string };
}

test('nginx(strips-upgrade) between two wstrace hops: client and bisect name the fault and the hop', async (t) => {
  if (!requireOrSkip(t, 'nginx')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const path = await startNginxPath(t, 'strips-upgrade', started);
  const [edgeUrl] = path.urls;

  await t.test('wstrace client: exit 1, upgrade-headers-stripped, Via shows edge present and inner absent', async () => {
    const r = await runCli(['client', edgeUrl, '--json'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const result = eventOf(r.stdout, 'result') as (Ev & { verdict: Verdict }) | undefined;
    assert.ok(result, r.stdout);
    assert.equal(result.ok, false);
    assert.equal(result.status, 426);
    assert.equal(result.verdict.code, 'upgrade-headers-stripped');
    assert.match(result.verdict.summary, /between "edge" and "inner"/);
    assert.match(result.verdict.next, /proxy_set_header Upgrade/);
    // The endpoint's 426 body: the Via chain as the request reached it.
    const response = eventOf(r.stdout, 'response');
    const body = JSON.parse(String(response?.body)) as { via: ViaEntry[]; missing: { header: string }[] };
    assert.deepEqual(body.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), [['edge', 'present'], ['inner', 'absent']]);
    assert.deepEqual(body.missing.map((m) => m.header), ['Upgrade', 'Connection']);
    // nginx answered the client: its Server header is the evidence of who relayed the 426.
    const headers = new Map((response?.headers as [string, string][]).map(([k, v]) => [k.toLowerCase(), v]));
    assert.match(headers.get('server') ?? '', /nginx/);

    const human = await runCli(['client', edgeUrl], { timeoutMs: 20_000 });
    assert.equal(human.code, 1);
    const verdictLine = human.stdout.split('\n').find((l) => l.startsWith('verdict:'));
    log('real-nginx-strip', verdictLine ?? human.stdout);
    assert.match(verdictLine ?? '', /^verdict: upgrade-headers-stripped: .*between "edge" and "inner"/);
    assert.match(human.stdout, /edge \(upgrade=present\) → inner \(upgrade=absent\)/);
  });

  await t.test('wstrace bisect over edge, nginx, inner, echo: break between nginx and inner', async () => {
    const args = ['bisect', ...path.urls, ...path.names.flatMap((n) => ['--name', n])];
    const r = await runCli([...args, '--json'], { timeoutMs: 25_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const result = eventOf(r.stdout, 'result') as
      | (Ev & { hops: { name: string; ok: boolean; verdict: { code: string } | null }[]; break: { outer: number; inner: number | null; code: string } })
      | undefined;
    assert.ok(result, r.stdout);
    assert.deepEqual(
      result.hops.map((h) => [h.name, h.ok, h.verdict?.code ?? null]),
      [['edge', false, 'upgrade-headers-stripped'], ['nginx', false, 'upgrade-headers-stripped'], ['inner', true, null], ['echo', true, null]],
    );
    // outer = the innermost failing URL: index 1 is nginx's URL, the hop whose forwarding breaks.
    assert.deepEqual(result.break, { outer: 1, inner: 2, code: 'upgrade-headers-stripped' });

    const human = await runCli(args, { timeoutMs: 25_000 });
    assert.equal(human.code, 1);
    const breakLine = human.stdout.split('\n').find((l) => l.startsWith('break between'));
    log('real-nginx-strip', breakLine ?? human.stdout);
    assert.match(breakLine ?? '', /^break between "nginx" \(#2\) and "inner" \(#3\): upgrade-headers-stripped/);
    assert.match(human.stdout, /next: fix "nginx"/);
  });
});
