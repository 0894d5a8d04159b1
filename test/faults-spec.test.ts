// Fault specs are validated at the edge: every kind parses its documented forms, and every bad
// spec is a one-line InputError naming the spec (exit 2 through the CLI).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFaultSpec, FAULT_KINDS } from '../src/proxy/faults/index.js';
import { InputError } from '../src/errors.js';
import { runCli, assertInputError } from './helpers/cli.js';

const GOOD = [
  'strip-upgrade', 'hang', 'hang=after-101', 'status=502', 'status=403,origin=https://app.example',
  'idle-timeout=2s', 'idle-timeout=500ms,reset=down', 'idle-timeout:reset=up', 'max-lifetime=30s', 'max-message=32768', 'max-message=32k',
  'drop-close', 'drop-close=up', 'drop-close=down', 'drop-close=both', 'drop-pong', 'blackhole', 'blackhole=1s',
  'latency=100ms', 'latency=100ms,jitter=20ms', 'bandwidth=64k', 'reset-after=1k', 'slicer', 'slicer:avg=4,delay=1ms',
  'strip-header=Sec-WebSocket-Protocol', 'set-header=Origin:https://evil.example', 'strip-extensions', 'corrupt-rsv1',
];

test('every documented kind is registered and parses its documented forms', () => {
  const kinds = new Set(FAULT_KINDS.map((k) => k.kind));
  for (const k of ['strip-upgrade', 'hang', 'status', 'idle-timeout', 'max-lifetime', 'max-message', 'drop-close', 'drop-pong', 'blackhole',
    'latency', 'bandwidth', 'reset-after', 'slicer', 'strip-header', 'set-header', 'strip-extensions', 'corrupt-rsv1']) {
    assert.ok(kinds.has(k), `kind ${k} is registered`);
  }
  for (const spec of GOOD) {
    if (spec === 'idle-timeout:reset=up') continue; // no duration: must fail, checked below
    const f = parseFaultSpec(spec);
    assert.equal(f.spec, spec);
    assert.equal(f.kind, spec.split(/[=:]/)[0]);
  }
  for (const k of FAULT_KINDS) assert.ok(k.summary.length > 10, `${k.kind} has a one-sentence summary`);
});

const BAD: [string, RegExp][] = [
  ['nope', /unknown fault "nope"/],
  ['Strip-Upgrade', /bad fault spec/],
  ['strip-upgrade=yes', /takes no value/],
  ['status', /needs a value/],
  ['status=abc', /final HTTP status/],
  ['status=101', /final HTTP status/],
  ['status=502,colour=red', /unknown parameter "colour"/],
  ['idle-timeout', /needs a value/],
  ['idle-timeout=soon', /bad idle timeout "soon"/],
  ['idle-timeout=1s,reset=sideways', /reset must be both, up, down/],
  ['idle-timeout:reset=up', /needs a value/],
  ['idle-timeout=0s', /at least 1 ms/],
  ['max-lifetime=-1s', /bad lifetime/],
  ['max-message=lots', /bad message cap/],
  ['max-message=0', /at least 1 B/],
  ['drop-close=left', /direction must be up, down, both/],
  ['hang=forever', /must be after-101/],
  ['latency=10ms,jitter=x', /bad jitter/],
  ['bandwidth', /needs a value/],
  ['reset-after=1q', /bad byte limit/],
  ['slicer=3', /takes no value/],
  ['slicer:avg=0', /avg must be at least 1 B/],
  ['strip-header=Bad Name', /not a valid header name/],
  ['set-header=Origin', /expected "Name: value"/],
  ['blackhole=1s,x', /"x" is not key=value/],
];

test('bad specs are InputErrors with one line naming the spec', () => {
  for (const [spec, re] of BAD) {
    assert.throws(() => parseFaultSpec(spec), (e: unknown) => {
      assert.ok(e instanceof InputError, `${spec}: InputError`);
      assert.match(e.message, re, spec);
      assert.ok(e.message.includes(`"${spec}"`) || e.message.includes(`"${spec.split(/[=:]/)[0]}"`), `${spec}: message names the spec: ${e.message}`);
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  }
});

test('CLI: bad --fault on proxy and chain exits 2 with one error line', async () => {
  const results = await Promise.all([
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--fault', 'idle-timeout=soon']),
    runCli(['proxy', '--target', 'ws://127.0.0.1:9', '--fault', 'teleport']),
    runCli(['chain', '--fault', '1:max-message=lots']),
    runCli(['chain', '--fault', '1:bogus']),
  ]);
  assertInputError(results[0]!, 'idle-timeout=soon');
  assertInputError(results[1]!, 'unknown fault "teleport"');
  assertInputError(results[2]!, 'max-message=lots');
  assertInputError(results[3]!, 'unknown fault "bogus"');
});
