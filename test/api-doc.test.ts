/**
 * docs/api.md's example is executed as written: the ```js block is copied into a file inside
 * this package (so `import … from 'wstrace'` resolves through package.json `exports`, as it does
 * for a user) and run with `node --test`. A doc example that no longer works fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

test('the library example in docs/api.md runs and passes', () => {
  const root = repoRoot();
  const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.equal(blocks.length, 1, 'docs/api.md has one js example');
  assert.match(blocks[0]!, /from 'wstrace'/, 'it imports the package by name');
  const dir = mkdtempSync(join(root, 'dist', 'api-example-'));
  try {
    const file = join(dir, 'example.test.mjs');
    writeFileSync(file, blocks[0]!);
    // Without the runner's own NODE_TEST_CONTEXT, the child reports as a top-level run would.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `the example failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^# pass 1$/m, r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
