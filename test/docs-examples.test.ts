// The runnable examples in docs/ run here exactly as written: each `<!-- example:NAME -->` block
// becomes a file inside the package (so `import … from 'wstrace'` resolves to this checkout)
// and runs under node --test in a child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/cli.js';

function example(doc: string, name: string): string {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', doc), 'utf8');
  const m = new RegExp(`<!-- example:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(text);
  assert.ok(m, `docs/${doc} has an example:${name} block`);
  return m[1]!;
}

function runNodeTest(file: string, ms: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // A test runner of its own, not a subtest of ours: node:test tells children apart by this variable.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const child = spawn(process.execPath, ['--test', file], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('docs/api-faults.md: the library example passes as written', async (t) => {
  const file = path.join(REPO_ROOT, 'dist', `docs-example-api-faults-${process.pid}.test.mjs`);
  writeFileSync(file, example('api-faults.md', 'api-faults'));
  t.after(() => rmSync(file, { force: true }));
  const r = await runNodeTest(file, 30_000);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /# pass 1/);
});
