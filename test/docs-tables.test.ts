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
