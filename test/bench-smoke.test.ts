/**
 * The benchmark harness runs end to end (`node dist/bench/run.js --smoke`: tiny sizes, short
 * runs) and produces every row with numbers. Benchmarks are not tests: nothing here judges a
 * figure or a target, only that each was measured and written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers/cli.js';
import type { Row } from '../bench/lib/results.js';


/** Every metric the harness must report (smoke names its sizes, so match by prefix). */
const EXPECTED: [RegExp, string][] = [
  [/^echo RTT p50, 64 B, 1 in flight$/, 'ws (bare)'],
  [/^echo RTT p50, 64 B, 1 in flight vs TCP floor$/, 'node net echo'],
  [/^echo throughput, 64 B x \d+ in flight$/, 'ws (bare)'],
  [/^echo throughput, 1 KiB x \d+ in flight$/, 'ws (bare)'],
  ...(['node floor', 'haproxy', 'nginx'].flatMap((peer) => [
    [/^added RTT p50, 1 hop /, peer],
    [/^added RTT p50, 3 hops /, peer],
    [/^throughput through 1 hop, 64 B /, peer],
    [/^throughput through 1 hop, 1 KiB /, peer],
    [/^memory per idle proxied tunnel, n=\d+$/, peer],
  ]) as [RegExp, string][]),
  [/^memory per idle proxied tunnel, n=\d+, absolute aim$/, 'node floor'],
  [/^memory per idle echo connection, n=\d+$/, 'ws (bare)'],
  [/^frame tap cost: /, 'wstrace proxy'],
  [/^start-up: wstrace --version$/, 'node -e 0'],
  [/^start-up: wstrace --help$/, 'node -e 0'],
  [/^start-up: one-shot client vs bare node$/, 'node -e 0'],
  [/^start-up: one-shot client$/, 'wscat'],
  [/^timing fidelity: loopback connect$/, 'curl'],
  [/^timing fidelity: loopback first echo RTT$/, 'load generator'],
  [/^timing fidelity: loopback connect vs capture$/, 'tshark'],
  [/^timing fidelity: loopback first echo RTT vs capture$/, 'tshark'],
];

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'bench', 'run.js'), ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // The harness kills its own children on exit, SIGKILL included (they are tracked by pid).
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// The fidelity section starts tshark (seconds on a loaded machine): room for it.
test('bench --smoke: every row measured, printed and written to --out', { timeout: 150_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-bench-smoke-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'results.json');
  const r = await run(['--smoke', '--out', out], 140_000);
  const ctx = `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.code, 0, ctx);
  assert.ok(existsSync(out), `no results file at ${out}\n${ctx}`);
  const results = JSON.parse(readFileSync(out, 'utf8')) as { machine: string; rows: Row[] };
  assert.match(results.machine, /node v\d+/);
  const rows = results.rows;
  assert.equal(rows.length, EXPECTED.length, `rows: ${rows.map((x) => `${x.metric} / ${x.peer}`).join('\n')}`);
  for (const [metric, peer] of EXPECTED) {
    const found = rows.find((x) => metric.test(x.metric) && x.peer.startsWith(peer));
    assert.ok(found, `no row ${metric} vs ${peer}`);
    for (const k of ['subject', 'unit', 'target'] as const) assert.equal(typeof found[k], 'string');
    if (found.value === null) {
      // Only a peer that is not installed may be skipped, and the row must say why.
      assert.match(found.note ?? '', /not installed/, `${found.metric} vs ${found.peer} was not measured: ${found.note}`);
      assert.ok(peer === 'wscat' || process.env.CI !== 'true', `${found.metric}: ${found.note}`);
      continue;
    }
    assert.ok(Number.isFinite(found.value) && Number.isFinite(found.peerValue), `${found.metric} vs ${found.peer}: ${JSON.stringify(found)}`);
    assert.ok(found.ratio === null || Number.isFinite(found.ratio));
    if (found.target !== 'none (informational)') assert.equal(typeof found.met, 'boolean', `${found.metric}: met must be judged`);
  }
  // The table on stdout has one line per row under its header.
  const table = r.stdout.trim().split('\n');
  assert.match(table[0]!, /^metric +subject +value +peer +peer value +unit +ratio +spread \(min-max, runs\) +target +met$/);
  assert.equal(table.length, rows.length + 1, r.stdout);
});

test('bench: a bad option is one error line and exit 2', async () => {
  const r = await run(['--only', 'nothing'], 20_000);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: bad --only "nothing"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('bench: a bad --repeat is one error line and exit 2', async () => {
  const r = await run(['--repeat', '0'], 20_000);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: bad --repeat "0"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('bench --repeat 2: each row is the median of 2 runs with its spread', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-bench-repeat-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'results.json');
  const r = await run(['--smoke', '--repeat', '2', '--only', 'echo', '--out', out], 55_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const results = JSON.parse(readFileSync(out, 'utf8')) as { repeat: number; load: { start: number; end: number }; rows: Row[] };
  assert.equal(results.repeat, 2);
  assert.ok(Number.isFinite(results.load.start) && Number.isFinite(results.load.end));
  assert.equal(results.rows.length, 4, JSON.stringify(results.rows));
  for (const row of results.rows) {
    assert.equal(row.runs, 2, `${row.metric}: ${JSON.stringify(row)}`);
    assert.ok(row.spread && row.spread.of === 'ratio' && row.spread.min <= row.ratio! && row.ratio! <= row.spread.max, `${row.metric}: ${JSON.stringify(row)}`);
  }
});
