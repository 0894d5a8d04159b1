/**
 * The soak in 20 s (`npm run soak -- --smoke`): every fault kind and the frame tap under clients
 * that reset in every phase, half-close, send 3 GiB frames and slow heads, while an upstream is
 * killed and restarted. Descriptors back at baseline, RSS within a bound, no unexpected error,
 * a clean stop. The long run is `npm run soak -- --minutes 10` (docs/reliability.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak, renderFigures, SMOKE } from './soak/soak.js';

test('soak smoke: no leak, bounded memory, no unexpected error under every fault', { timeout: 60_000 }, async () => {
  const figures = await soak(SMOKE);
  const report = renderFigures(figures).join('\n');
  assert.deepEqual(figures.failures, [], report);
  assert.ok(figures.connections >= 50, `only ${figures.connections} connections\n${report}`);
  assert.ok(figures.upstreamKills >= 1, `the upstream was never killed\n${report}`);
});
