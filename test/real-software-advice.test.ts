/**
 * Real proxies from Debian, each configured to break the upgrade the way users break it
 * (fixtures/real/), in front of a wstrace echo. The client must recognise the software from its
 * answer and print *that* software's directive in `next` (the table in src/diagnose/software.ts).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireOrSkip, startApache, startCaddy, startHaproxy, startNginx, startSquid, type BinaryName, type RealServer,
} from './helpers/real-servers.js';
import { baseOf, eventOf, log, runCli, startWstrace, stopAll, type Ev, type Stoppable } from './helpers/real-cli.js';

interface Result extends Ev {
  ok: boolean;
  status: number | null;
  verdict: { code: string; summary: string; evidence: string[]; next: string };
}

async function clientThrough(t: TestContext, bin: BinaryName, start: (upstreamPort: number) => Promise<RealServer>, until?: number): Promise<Result | undefined> {
  if (!requireOrSkip(t, bin)) return undefined;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'echo']);
  started.push(echo);
  const real = await start(echo.port);
  started.push(real);
  // HAProxy needs one failed health check (inter 200ms) before it answers on its own.
  for (let attempt = 0; ; attempt++) {
    const r = await runCli(['client', `${real.url}/echo`, '--json'], { timeoutMs: 20_000 });
    const result = eventOf<Result>(r.stdout, 'result');
    assert.ok(result, r.stdout + r.stderr);
    if (until === undefined || result.status === until || attempt >= 25) {
      assert.equal(r.code, 1, r.stdout + r.stderr);
      log(real.name, `${result.verdict.code}: ${result.verdict.summary} | next: ${result.verdict.next}`);
      return result;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('Caddy with `header_up -Upgrade`: next names Caddy and header_up', async (t) => {
  const r = await clientThrough(t, 'caddy', (port) => startCaddy('strips-upgrade', port));
  if (!r) return;
  assert.equal(r.verdict.code, 'upgrade-headers-stripped');
  assert.match(r.verdict.evidence.join('\n'), /Caddy \(Server: Caddy\)/);
  assert.match(r.verdict.next, /^Caddy: .*header_up -Upgrade/);
});

test('squid accelerator without http_upgrade_request_protocols: next names that directive', async (t) => {
  const r = await clientThrough(t, 'squid', (port) => startSquid('no-upgrade', port));
  if (!r) return;
  assert.equal(r.verdict.code, 'upgrade-headers-stripped');
  assert.match(r.verdict.evidence.join('\n'), /squid \(Via: 1\.1 \S+ \(squid\/[\d.]+\)\)/);
  assert.match(r.verdict.next, /^squid: add `http_upgrade_request_protocols websocket allow all`/);
});

test('Apache httpd routing the path by an http:// ProxyPass only: next names mod_proxy_wstunnel / upgrade=websocket', async (t) => {
  const r = await clientThrough(t, 'apache2', (port) => startApache('no-wstunnel', port));
  if (!r) return;
  assert.equal(r.verdict.code, 'upgrade-headers-stripped');
  assert.match(r.verdict.evidence.join('\n'), /Apache httpd \(Server: Apache\/2\.4/);
  assert.match(r.verdict.next, /^Apache httpd: .*ProxyPass \/echo ws:\/\/.*upgrade=websocket/);
});

test('nginx with a bare proxy_pass: next names proxy_http_version and proxy_set_header', async (t) => {
  const r = await clientThrough(t, 'nginx', (port) => startNginx('strips-upgrade', port));
  if (!r) return;
  assert.equal(r.verdict.code, 'upgrade-headers-stripped');
  assert.match(r.verdict.evidence.join('\n'), /nginx \(Server: nginx/);
  assert.match(r.verdict.next, /^nginx: .*proxy_http_version 1\.1; proxy_set_header Upgrade \$http_upgrade/);
});

test('HAProxy whose health check asks the WebSocket path: its own 503 page, next names option httpchk', async (t) => {
  const r = await clientThrough(t, 'haproxy', (port) => startHaproxy('no-healthy-server', port), 503);
  if (!r) return;
  assert.equal(r.status, 503);
  assert.equal(r.verdict.code, 'http-error');
  assert.match(r.verdict.summary, /from HAProxy: HAProxy has no server UP/);
  assert.match(r.verdict.next, /^HAProxy: .*option httpchk/);
});

test('bisect across wstrace hops with Caddy between them: the hop-trace verdict keeps Caddy\'s directive', async (t) => {
  if (!requireOrSkip(t, 'caddy')) return;
  const started: Stoppable[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'echo']);
  started.push(echo);
  const inner = await startWstrace(t, ['proxy', '--name', 'inner', '--target', baseOf(echo)]);
  started.push(inner);
  const caddy = await startCaddy('strips-upgrade', inner.port);
  started.push(caddy);
  const edge = await startWstrace(t, ['proxy', '--name', 'edge', '--target', caddy.url]);
  started.push(edge);
  const urls = [`${baseOf(edge)}/echo`, `${caddy.url}/echo`, `${baseOf(inner)}/echo`, echo.url];
  const r = await runCli(['bisect', ...urls, '--json'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const result = eventOf<Result>(r.stdout, 'result');
  assert.ok(result, r.stdout + r.stderr);
  assert.equal(result.verdict.code, 'upgrade-headers-stripped');
  // The break is placed by the hop trace (Caddy removes Upgrade); the fix is still Caddy's.
  assert.match(result.verdict.evidence.join('\n'), /hop trace: .* changes Upgrade "websocket" → absent/);
  assert.match(result.verdict.next, /Caddy: .*header_up -Upgrade/);
  assert.doesNotMatch(result.verdict.next, /proxy_set_header/);
});
