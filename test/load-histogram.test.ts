/** The load generator's latency histogram (src/load/histogram.ts): bounded error, exact max, merge. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram } from '../src/load/histogram.js';

test('values under 256 µs are exact', () => {
  const h = new Histogram();
  for (let us = 1; us <= 200; us++) h.record(us / 1000);
  assert.equal(h.percentile(50), 0.1);
  assert.equal(h.percentile(100), 0.2);
  assert.equal(h.min, 0.001);
});

test('percentiles over a wide range are within 1 % of the exact ones', () => {
  const h = new Histogram();
  const samples: number[] = [];
  // 1 µs … ~10 s, log-uniform: every bucket size is exercised.
  for (let i = 0; i < 20_000; i++) samples.push(Math.round(10 ** ((i / 20_000) * 7)) / 1000);
  for (const s of samples) h.record(s);
  samples.sort((a, b) => a - b);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = samples[Math.ceil((p / 100) * samples.length) - 1]!;
    const got = h.percentile(p);
    assert.ok(got >= exact && got <= exact * 1.01 + 0.001, `p${p}: exact ${exact}, histogram ${got}`);
  }
  assert.equal(h.max, samples.at(-1));
  assert.equal(h.count, 20_000);
});

test('the reported percentile never exceeds the exact maximum; empty is 0', () => {
  const h = new Histogram();
  assert.equal(h.percentile(99), 0);
  h.record(1.234567);
  assert.equal(h.percentile(99), 1.235);
  assert.equal(h.max, 1.235);
});

test('merge adds counts, keeps min and max', () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let i = 0; i < 100; i++) a.record(1);
  for (let i = 0; i < 100; i++) b.record(100);
  a.merge(b);
  assert.equal(a.count, 200);
  assert.equal(a.min, 1);
  assert.equal(a.max, 100);
  assert.ok(a.percentile(50) >= 1 && a.percentile(50) <= 1.01);
  assert.ok(a.percentile(75) >= 100 && a.percentile(75) <= 101);
});
