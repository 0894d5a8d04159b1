// --trace-frames prints an event per frame: the proxy's stdout writer coalesces them, one write
// per turn of the event loop, in order, and never holds more than 64 KiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coalescedStdout } from '../src/cli/run/coalesced-stdout.js';

test('events written in one turn leave as one write, in order, by the end of the turn', async () => {
  const writes: string[] = [];
  const w = coalescedStdout((t) => writes.push(t));
  for (let i = 0; i < 100; i++) w(`{"seq":${i}}\n`);
  assert.equal(writes.length, 0, 'nothing written yet within the turn');
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 1);
  assert.deepEqual(writes[0]!.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), Array.from({ length: 100 }, (_, i) => i));
  w('later\n');
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes.slice(1), ['later\n']);
});

test('past 64 KiB pending it writes at once', () => {
  const writes: string[] = [];
  const w = coalescedStdout((t) => writes.push(t));
  const line = 'x'.repeat(1023) + '\n';
  for (let i = 0; i < 64; i++) w(line);
  assert.equal(writes.length, 1);
  assert.equal(writes[0]!.length, 64 * 1024);
});
