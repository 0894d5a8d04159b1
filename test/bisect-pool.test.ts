/**
 * `--repeat N`: a round-robin pool with one broken member fails about half the time; bisect
 * must give each URL its failure rate, call the pool intermittent and put the break there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEcho } from '../src/endpoint/server.js';
import { startProxy } from '../src/proxy/server.js';
import { parseWsUrl } from '../src/net/url.js';
import { freePort, resultOf, wstrace } from './helpers/bisect.js';

test('a pool with one dead member: --repeat 10 shows ~50% failures at the pool and names it intermittent', async (t) => {
  const echo = await startEcho({ port: 0 });
  t.after(() => echo.close());
  const mid = await startProxy({ targets: [parseWsUrl(echo.url)], name: 'mid' });
  t.after(() => mid.close());
  // The second member refuses connections: the pool answers that upgrade 502, like nginx
  // with one upstream server down and no passive health check yet.
  const pool = await startProxy({ targets: [parseWsUrl(mid.url), parseWsUrl(`ws://127.0.0.1:${await freePort()}`)], name: 'pool' });
  t.after(() => pool.close());
  const args = ['bisect', `${pool.url}/echo`, `${mid.url}/echo`, echo.url, '--name', 'pool', '--name', 'mid', '--name', 'echo', '--repeat', '10', '--timeout', '3s'];

  const json = await wstrace([...args, '--json']);
  assert.equal(json.code, 1, json.stderr);
  const r = resultOf(json);
  const [p, m, e] = r.hops as unknown as { runs: number; failures: number; rate: number; intermittent: boolean; verdict: { code: string } | null }[];
  t.diagnostic(`pool ${p!.failures}/${p!.runs}, mid ${m!.failures}/${m!.runs}, echo ${e!.failures}/${e!.runs}`);
  assert.equal(p!.runs, 10);
  assert.ok(p!.rate >= 0.3 && p!.rate <= 0.7, `pool failure rate ${p!.rate}`);
  assert.equal(p!.intermittent, true);
  assert.equal(p!.verdict?.code, 'http-error');
  assert.deepEqual([m!.failures, m!.runs, m!.intermittent], [0, 10, false]);
  assert.deepEqual([e!.failures, e!.runs], [0, 10]);
  assert.deepEqual(r.break, { outer: 0, inner: 1, code: 'http-error' });
  assert.match(String(r.verdict!.summary), /\(intermittent: \d+% of probes fail\)/);
  assert.match(String(r.verdict!.next), /"pool" fails \d+ of 10 probes while "mid" always works: .*round-robin pool/);

  const human = await wstrace(args);
  t.diagnostic(human.stdout);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /^\s+1\s+pool\s+.*\s\d\/10 \(\d+%\)\s+http-error \(intermittent\)$/m);
  assert.match(human.stdout, /^\s+2\s+mid\s+.*\s0\/10 \(0%\)\s+ok$/m);
  assert.match(human.stdout, /^break between "pool" \(#1\) and "mid" \(#2\): http-error — .*intermittent/m);
});
