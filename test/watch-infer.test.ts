// LimitInference on drop records built by hand: the cases the end-to-end runs do not cover
// (a timer only the server's traffic resets, drops that prove nothing yet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitInference, type LiveSlot } from '../src/watch/infer.js';
import type { Drop } from '../src/watch/types.js';
import type { Pattern } from '../src/watch/patterns.js';

const CONN: Record<Pattern, number> = { silent: 1, ping: 2, pong: 3, message: 4 };

function drop(pattern: Pattern, t: number, ageMs: number, idleUpMs = ageMs, idleDownMs = ageMs): Drop {
  return { t, conn: CONN[pattern], pattern, ageMs, idleUpMs, idleDownMs, cause: 'eof', closeCode: 1006, reason: '', errorCode: undefined };
}

function live(ages: Partial<Record<Pattern, number>>): LiveSlot[] {
  return (['silent', 'ping', 'pong', 'message'] as const).map((p) => ({ conn: CONN[p], pattern: p, ageMs: ages[p] }));
}

test('idle timeout reset only by the server (nginx proxy_read_timeout): the client-only pong connection dies too', () => {
  const inf = new LimitInference(1_000, 4);
  inf.add(drop('silent', 2_000, 2_000));
  // Pongs went up every second (idle up < 1 s) but nothing came down for 2 s.
  inf.add(drop('pong', 2_800, 2_000, 200, 2_000));
  assert.deepEqual(inf.evaluate(live({ ping: 2_400, message: 2_000 })), [], 'one silent drop is not yet certain');
  inf.add(drop('silent', 4_200, 2_050));
  const [idle] = inf.evaluate(live({ ping: 3_800, message: 3_400 }));
  assert.equal(idle?.kind, 'idle-timeout');
  assert.equal(idle.resetBy, 'server');
  assert.equal(idle.pingsHelp, true);
  assert.ok(Math.abs(idle.value - 2.025) < 0.001, String(idle.value));
  assert.deepEqual(inf.evaluate(live({ ping: 4_800, message: 4_400 })), [], 'reported once, not on every evaluation');
});

test('no connection with traffic outlived the silent ones yet: no idle timeout claimed', () => {
  const inf = new LimitInference(1_000, 4);
  inf.add(drop('silent', 2_000, 2_000));
  inf.add(drop('silent', 4_200, 2_000));
  assert.deepEqual(inf.evaluate(live({ ping: 2_500, pong: 2_100, message: 1_700 })), []);
});

test('traffic connections dying at one age in the same instant is not a lifetime (it may be a drain)', () => {
  const inf = new LimitInference(1_000, 4);
  for (const p of ['ping', 'pong', 'message'] as const) inf.add(drop(p, 5_000, 4_800, 300, 300));
  assert.deepEqual(inf.evaluate(live({})).map((l) => l.kind), []);
});

test('two connections drifting into step are not a drain: a periodic reset needs most held connections at once', () => {
  const inf = new LimitInference(1_000, 8);
  for (const t of [5_200, 10_400, 15_600, 20_800]) {
    inf.add(drop('silent', t, 5_000));
    inf.add(drop('ping', t + 20, 5_000, 100, 100));
  }
  assert.deepEqual(inf.evaluate(live({})).filter((l) => l.kind === 'periodic-reset'), []);
});

test('a lifetime cap is not taken for an idle timeout when one ping connection happens to live longer once', () => {
  const inf = new LimitInference(100, 4);
  inf.add(drop('silent', 5_000, 5_000));
  inf.add(drop('ping', 5_400, 5_000, 50, 50));
  inf.add(drop('silent', 10_200, 5_000));
  // The hop fired its timer late this once: the ping and pong connections reached 5.8 and 5.9 s.
  assert.deepEqual(inf.evaluate(live({ ping: 5_800, pong: 5_900 })).filter((l) => l.kind === 'idle-timeout'), []);
});
