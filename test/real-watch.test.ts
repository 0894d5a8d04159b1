/**
 * `wstrace watch` through real HAProxy with `timeout tunnel 2s`: the silent connection is cut
 * at its idle timeout (a bare TCP close, 1006) while pings keep the others alive, and watch
 * names the limit: 2.0 s.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOrSkip, startHaproxy, type RealServer } from './helpers/real-servers.js';
import { log, ndjson, runCli, startWstrace, stopAll, type CliServer, type Ev } from './helpers/real-cli.js';

test('haproxy timeout tunnel 2s: watch reports idle timeout 2.0 s and that pings keep connections alive', async (t) => {
  if (!requireOrSkip(t, 'haproxy')) return;
  const started: (CliServer | RealServer)[] = [];
  t.after(() => stopAll(started));
  const echo = await startWstrace(t, ['echo', '--port', '0', '--log-level', 'warn']);
  started.push(echo);
  const haproxy = await startHaproxy('tunnel-2s', echo.port);
  started.push(haproxy);
  const r = await runCli(['watch', `${haproxy.url}/echo`, '--for', '10s', '--every', '2s', '--fail-on', 'limit<1m', '--json'], { timeoutMs: 30_000 });
  const events = ndjson(r.stdout);
  const idle = events.find((e): e is Ev & { value: number; pingsHelp: boolean } => e.event === 'limit' && e.kind === 'idle-timeout');
  assert.ok(idle, `no idle-timeout limit\n${r.stdout}\n${await haproxy.logs()}`);
  log('real-watch', `${haproxy.name}: idle timeout ${idle.value} s, resetBy ${String(idle.resetBy)}`);
  assert.ok(Math.abs(idle.value - 2) <= 0.3, `idle timeout ${idle.value} s, expected 2.0 ± 0.3 s`);
  assert.equal(idle.pingsHelp, true);
  const drops = events.filter((e) => e.event === 'drop');
  assert.deepEqual([...new Set(drops.map((d) => d.pattern))], ['silent']);
  assert.ok(drops.every((d) => d.closeCode === 1006), 'HAProxy closes the tunnel without a close frame');
  assert.equal(r.code, 1, '--fail-on limit<1m: a 2 s limit is below it');
  assert.match(String((events.at(-1)!.failed as { detail: string }[])[0]?.detail), /idle-timeout 2\.\d s is below 60 s/);
});
