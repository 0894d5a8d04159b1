// The attributes every fault takes (stream, toxicity, name): parsed in one place, the older
// spellings kept, and the table in docs/faults.md rendered from the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFaultSpec, FAULT_KINDS, FAULT_TRAITS } from '../src/proxy/faults/index.js';
import { InputError } from '../src/errors.js';
import { REPO_ROOT, runCli, assertInputError } from './helpers/cli.js';

test('every fault kind has traits in the registry (docs/faults.md renders them: test/docs-tables.test.ts)', () => {
  for (const k of FAULT_KINDS) assert.ok(FAULT_TRAITS[k.kind], `${k.kind} has traits in the registry`);
});

test('stream, toxicity and name: defaults, commas or spaces, and what the spec says wins', () => {
  const a = (spec: string) => parseFaultSpec(spec).attrs;
  assert.deepEqual(a('latency=300ms'), { name: 'latency', stream: 'both', toxicity: 1 });
  assert.deepEqual(a('latency=300ms stream=down'), { name: 'latency', stream: 'down', toxicity: 1 });
  assert.deepEqual(a('latency=300ms,stream=up,toxicity=0.25,name=slow'), { name: 'slow', stream: 'up', toxicity: 0.25 });
  assert.deepEqual(a('drop-pong toxicity=0.1'), { name: 'drop-pong', stream: 'both', toxicity: 0.1 });
  assert.deepEqual(a('corrupt-rsv1'), { name: 'corrupt-rsv1', stream: 'down', toxicity: 1 });
  assert.deepEqual(a('status=502'), { name: 'status', stream: null, toxicity: 1 });
  assert.equal(parseFaultSpec('latency=1s', { stream: 'down', toxicity: 0.5 }).spec, 'latency=1s,stream=down,toxicity=0.5');
  assert.equal(parseFaultSpec('set-header=X-Note:two words').kind, 'set-header', 'spaces inside a value stay in the value');
});

test('older spellings of the direction still work and mean stream=', () => {
  assert.equal(parseFaultSpec('drop-close=up').attrs.stream, 'up');
  assert.equal(parseFaultSpec('drop-close').attrs.stream, 'both');
  assert.equal(parseFaultSpec('idle-timeout=2s,reset=down').attrs.stream, 'down');
  assert.equal(parseFaultSpec('idle-timeout=2s,stream=up').attrs.stream, 'up');
  assert.equal(parseFaultSpec('drop-close=up,stream=up').attrs.stream, 'up');
});

const BAD: [string, RegExp][] = [
  ['latency=1s,stream=sideways', /stream must be up, down, both \(got "sideways"\)/],
  ['status=502,stream=up', /has no direction/],
  ['latency=1s,toxicity=2', /toxicity must be a number from 0 to 1 \(got "2"\)/],
  ['latency=1s,toxicity=half', /toxicity must be a number from 0 to 1/],
  ['latency=1s,toxicity=', /toxicity must be a number/],
  ['latency=1s,name=two words', /name must be/],
  ['drop-close=up,stream=down', /stream=down contradicts up/],
  ['idle-timeout=1s,reset=up,stream=down', /stream=down contradicts/],
];

test('bad attributes are one-line InputErrors naming the spec', () => {
  for (const [spec, re] of BAD) {
    assert.throws(() => parseFaultSpec(spec), (e: unknown) => {
      assert.ok(e instanceof InputError, spec);
      assert.match(e.message, re, spec);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('CLI: a bad attribute in --fault exits 2 with one line', async () => {
  const [proxy, chain] = await Promise.all([
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--fault', 'latency=1s,toxicity=2']),
    runCli(['chain', '--fault', '1:status=502,stream=up']),
  ]);
  assertInputError(proxy!, 'toxicity must be a number from 0 to 1');
  assertInputError(chain!, 'has no direction');
});

test('`--fault help` (proxy and chain) lists every kind from the registry, within 80 columns, and exits 0', async () => {
  for (const cmd of ['proxy', 'chain']) {
    const r = await runCli([cmd, '--fault', 'help'], { env: { COLUMNS: '80' } });
    assert.equal(r.code, 0, r.stderr);
    for (const k of FAULT_KINDS) assert.match(r.stdout, new RegExp(`^  ${k.kind} `, 'm'), `${cmd}: ${k.kind}`);
    for (const line of r.stdout.split('\n')) assert.ok([...line].length <= 80, `${cmd}: over 80 columns: ${line}`);
  }
});
