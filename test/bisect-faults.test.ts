/**
 * The fault table: a chain of 5 wstrace hops in front of the echo endpoint (6 URLs), one fault at
 * each position in turn; `wstrace bisect` over every layer URL must name the faulty hop and the
 * cause, with `--strategy all` and with `--strategy binary` (runner: test/helpers/bisect.ts).
 * `hang` has its own file (test/bisect-hang.test.ts): its rows each cost a deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChain } from '../src/chain/index.js';
import { faultTable, TABLE_HOPS, wstrace, type FaultCase } from './helpers/bisect.js';

const CASES: FaultCase[] = [
  { fault: 'strip-upgrade', code: 'upgrade-headers-stripped', timeout: '5s' },
  { fault: 'status=502', code: 'http-error', timeout: '5s' },
];

for (const c of CASES) {
  test(`fault "${c.fault}" at each of ${TABLE_HOPS} hops: all and binary name the hop and ${c.code}`, (t) => faultTable(t, c));
}

test('the break line names the stripping hop in human output', async (t) => {
  const chain = await startChain({ hops: [{ name: 'cdn' }, { name: 'lb', faults: ['strip-upgrade'] }, { name: 'nginx' }] });
  t.after(() => chain.close());
  const run = await wstrace(['bisect', ...chain.layers.map((l) => l.url), ...chain.layers.flatMap((l) => ['--name', l.name])]);
  t.diagnostic(run.stdout);
  assert.equal(run.code, 1);
  assert.match(run.stdout, /^break between "lb" \(#2\) and "nginx" \(#3\): upgrade-headers-stripped — /m);
  // The endpoint's Via report agrees with the pairwise probes.
  assert.match(run.stdout, /evidence: stripped between "lb" and "nginx"/);
  assert.match(run.stdout, /^  next: fix "lb": /m);
});
