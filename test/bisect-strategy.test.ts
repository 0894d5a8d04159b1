/**
 * The search and the localisation rule on their own, over every monotone path of 1..12 URLs
 * (probe answers scripted per index): `all` and `binary` must name the same boundary, binary in
 * at most ⌈log2 n⌉+1 probes, origin first. Network behaviour is covered by the CLI tests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeAll, probeBinary, type ProbeFn } from '../src/bisect/strategy.js';
import { summarise } from '../src/bisect/probe.js';
import { localise } from '../src/bisect/localise.js';
import { buildHops } from '../src/bisect/hops.js';
import { verdict } from '../src/diagnose/catalogue.js';
import type { HopSpec, ProbeRun } from '../src/bisect/types.js';

const hopsOf = (n: number): HopSpec[] => buildHops({ urls: Array.from({ length: n }, (_, i) => `ws://127.0.0.1:${20000 + i}/echo`) });

const run = (ok: boolean): ProbeRun => ({
  ok, status: ok ? 101 : 502, statusText: '', ms: 1, upgradeMs: 0.5, endpoint: null, via: null, answeredBy: null, changes: [], firstTraced: null,
  verdict: ok ? null : verdict('http-error', 'scripted'),
});

/** A probe whose answers are scripted per index; records the order it was asked in. */
function scripted(works: (i: number) => boolean): ProbeFn & { asked: number[] } {
  const asked: number[] = [];
  const fn = async (hop: HopSpec, runs: number) => {
    asked.push(hop.index);
    return summarise(hop, Array.from({ length: runs }, () => run(works(hop.index))));
  };
  return Object.assign(fn, { asked });
}

test('monotone paths: all and binary name the same boundary; binary uses ⌈log2 n⌉+1 probes at most, origin first', async () => {
  for (let n = 1; n <= 12; n++) {
    for (let broken = 0; broken <= n; broken++) {
      // URLs 0..broken-1 fail, broken..n-1 work; broken === n: even the origin fails.
      const works = (i: number) => i >= broken;
      const all = await probeAll(hopsOf(n), scripted(works), 1, () => {});
      const bin = scripted(works);
      const binary = await probeBinary(hopsOf(n), bin, () => {});
      const a = localise(all.hops);
      const b = localise(binary.hops);
      const expected = broken === 0 ? { outer: null, inner: null } : { outer: broken - 1, inner: broken === n ? null : broken };
      const where = `n=${n} broken=${broken}`;
      assert.deepEqual({ outer: a.outer, inner: a.inner }, expected, `all: ${where}`);
      assert.deepEqual({ outer: b.outer, inner: b.inner }, expected, `binary: ${where}`);
      assert.equal(all.probes, n);
      assert.equal(bin.asked[0], n - 1, `binary probes the origin first: ${where}`);
      assert.ok(binary.probes <= Math.ceil(Math.log2(n)) + 1, `binary: ${binary.probes} probes for ${where}`);
      assert.equal(new Set(bin.asked).size, bin.asked.length, `binary never probes a URL twice: ${where}`);
      if (broken === n) assert.equal(binary.probes, 1, 'origin fails: nothing outside it can work');
      assert.deepEqual(a.anomalies, []);
    }
  }
});

test('binary reports the same outer/inner as all also when the boundary sits at either end of a long path', async () => {
  const n = 32;
  for (const broken of [1, 31]) {
    const bin = scripted((i) => i >= broken);
    const r = await probeBinary(hopsOf(n), bin, () => {});
    assert.deepEqual(localise(r.hops), { outer: broken - 1, inner: broken, anomalies: [] });
    assert.equal(r.probes, 6);
    assert.equal(r.hops.filter((h) => h.probed).length, 6);
  }
});

test('localise: a flaky URL counts as failing, and an outer URL that works past a failing one is an anomaly', async () => {
  const hops = hopsOf(4);
  const rows = [
    summarise(hops[0]!, [run(true)]),
    summarise(hops[1]!, [run(false), run(true), run(false), run(true)]),
    summarise(hops[2]!, [run(true)]),
    summarise(hops[3]!, [run(true)]),
  ];
  assert.equal(rows[1]!.intermittent, true);
  assert.equal(rows[1]!.rate, 0.5);
  const where = localise(rows);
  assert.equal(where.outer, 1);
  assert.equal(where.inner, 2);
  assert.equal(where.anomalies.length, 1);
  assert.match(where.anomalies[0]!, /fails but .* \(#1\) in front of it works/);
});
