// Keeps the README true: every catalogue code, fault kind and command it must document is there,
// the quick start is exactly the two commands, and CI runs the test command the README gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { VERDICT_CODES } from '../src/diagnose/catalogue.js';
import { FAULT_KINDS } from '../src/proxy/faults/index.js';
import { commands } from '../commands/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const root = repoRoot();
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function section(name: string): string {
  const m = new RegExp(`<!-- section:${name} -->([\\s\\S]*?)<!-- /section:${name} -->`).exec(readme);
  assert.ok(m, `README has a ${name} section`);
  return m[1]!;
}

test('every verdict code is documented in the failure catalogue', () => {
  const cat = section('catalogue');
  const missing = VERDICT_CODES.filter((c) => !cat.includes(`\`${c}\``));
  assert.deepEqual(missing, []);
});

test('every fault kind is documented in the faults table', () => {
  const faults = section('faults');
  assert.ok(FAULT_KINDS.length > 0, 'fault kinds are registered');
  const missing = FAULT_KINDS.map((k) => k.kind).filter((k) => !faults.includes(`\`${k}`));
  assert.deepEqual(missing, []);
});

test('every command has a README section with an example', () => {
  for (const c of commands) {
    const name = String(c.command).split(' ')[0]!;
    if (name === 'demo') continue;
    assert.match(readme, new RegExp(`### \`wstrace ${name}\``), `section for ${name}`);
    assert.match(readme, new RegExp(`\\$ wstrace ${name}`), `example run of ${name}`);
  }
});

test('quick start is exactly two commands, and CI runs the README test command', () => {
  const m = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'quick start block');
  const lines = m[1]!.trim().split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  assert.deepEqual(lines, ['npm install && npm start', 'npm test']);
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  assert.match(ci, /^npm test\b/m, '.ci/run runs npm test');
});
