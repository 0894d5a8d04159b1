/**
 * `wstrace demo` (what `npm start` runs): a local chain with a stripping hop, found by bisect,
 * everything stopped, exit 0 — by itself (a leaked handle would show as a hang).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wstrace } from './helpers/bisect.js';
import { resultOf } from './helpers/cli.js';

test('wstrace demo: exits 0 in under 10 s and its break line names the stripping hop', async (t) => {
  const run = await wstrace(['demo'], 30_000);
  t.diagnostic(run.stdout);
  assert.equal(run.timedOut, false, 'the demo must exit by itself');
  assert.equal(run.code, 0, run.stderr);
  // Acceptance: spawn → exit under 10 s (node start-up included; the demo's own work is well under 5 s).
  assert.ok(run.ms < 10_000, `took ${Math.round(run.ms)} ms`);
  t.diagnostic(`spawn → exit ${Math.round(run.ms)} ms; ${/done in ([\d.]+ s)/.exec(run.stdout)?.[1]} by the demo's own clock`);
  assert.equal(run.stderr, '');
  const lines = run.stdout.split('\n');
  // The story in order: layers, the client's failure, the table, the break, the reveal.
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const order = [/^layers, outermost first:/, /^1\) a client/, /^\s+verdict: upgrade-headers-stripped/, /^2\) `wstrace bisect`/, /#\s+name\s+URL\s+status/, /break between/, /^found it/];
  const idx = order.map(at);
  assert.ok(idx.every((i) => i >= 0), `missing part: ${order[idx.indexOf(-1)]}`);
  assert.deepEqual([...idx].sort((a, b) => a - b), idx, 'parts in story order');
  assert.match(run.stdout, /^\s+break between "hop-2" \(#2\) and "hop-3" \(#3\): upgrade-headers-stripped — /m);
  assert.match(run.stdout, /^found it: "hop-2" was started with --fault strip-upgrade/m);
  assert.ok(lines.length < 45, `short narration: ${lines.length} lines`);
});

test('wstrace demo --json: NDJSON only, the client and bisect runs as events, one result last that found the expected break', async () => {
  const run = await wstrace(['demo', '--json'], 30_000);
  assert.equal(run.code, 0, run.stderr);
  const events = run.events;
  assert.equal(events.length, run.stdout.trim().split('\n').length, 'every stdout line is an event');
  assert.equal(events[0]!.event, 'listening');
  assert.equal((events[0]!.layers as unknown[]).length, 5);
  const client = events.find((e) => e.event === 'client');
  assert.equal(client?.ok, false, 'the client sees the stripped upgrade');
  assert.deepEqual(events.find((e) => e.event === 'bisect')?.break, { outer: 1, inner: 2, code: 'upgrade-headers-stripped' });
  const r = resultOf(run.stdout);
  assert.equal(r.ok, true);
  assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'upgrade-headers-stripped' });
  assert.deepEqual(r.expected, { outer: 1, code: 'upgrade-headers-stripped', fault: 'strip-upgrade' });
});
