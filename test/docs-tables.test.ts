// The tables in docs/ that a registry renders are what it renders today (DOC_TABLES lists them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DOC_TABLES, current } from './helpers/docs-tables.js';

for (const t of DOC_TABLES) {
  test(`${t.file}: the ${t.name} table is the registry's (npm run docs:tables rewrites it)`, () => {
    const have = current(t);
    assert.ok(have !== undefined, `${t.file} has <!-- table:${t.name} --> markers`);
    assert.equal(have, t.render(), `${t.file} (${t.name}) is stale: run npm run docs:tables`);
  });
}

test('the check catalog and the check implementations name the same checks, in the same order', async () => {
  const { CHECK_INFO } = await import('../src/probe/catalog.js');
  const { CHECKS } = await import('../src/probe/registry.js');
  const { H2_CHECKS } = await import('../src/probe/h2-checks.js');
  assert.deepEqual(CHECKS.map((c) => c.name), CHECK_INFO.filter((c) => c.http === '1.1').map((c) => c.name));
  assert.deepEqual(H2_CHECKS.map((c) => c.name), CHECK_INFO.filter((c) => c.http === '2').map((c) => c.name));
  for (const c of CHECKS) {
    const info = CHECK_INFO.find((i) => i.name === c.name)!;
    assert.equal(c.long, info.long, c.name);
    assert.equal(c.heavy, info.heavy, c.name);
  }
});
