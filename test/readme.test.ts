// Keeps the README true: every catalogue code, fault kind and command it must document is there,
// the quick start is exactly the two commands, and CI runs the test command the README gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync, readdirSync } from 'node:fs';
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
const doc = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

function section(text: string, name: string, where = 'README'): string {
  const m = new RegExp(`<!-- section:${name} -->([\\s\\S]*?)<!-- /section:${name} -->`).exec(text);
  assert.ok(m, `${where} has a ${name} section`);
  return m[1]!;
}

test('the README stays short: at most 300 lines', () => {
  const lines = readme.trimEnd().split('\n').length;
  assert.ok(lines <= 300, `README.md has ${lines} lines; move reference material to docs/`);
});

test('every verdict code is in the README summary and in docs/catalogue.md', () => {
  for (const [text, where] of [[readme, 'README'], [doc('catalogue.md'), 'docs/catalogue.md']] as const) {
    const cat = section(text, 'catalogue', where);
    const missing = VERDICT_CODES.filter((c) => !cat.includes(`\`${c}\``));
    assert.deepEqual(missing, [], where);
  }
});

test('every fault kind is documented in the faults table (docs/faults.md)', () => {
  const faults = section(doc('faults.md'), 'faults', 'docs/faults.md');
  assert.ok(FAULT_KINDS.length > 0, 'fault kinds are registered');
  const missing = FAULT_KINDS.map((k) => k.kind).filter((k) => !faults.includes(`\`${k}`));
  assert.deepEqual(missing, []);
});

test('every command has a README section with an example, and a reference section in docs/commands.md', () => {
  const reference = doc('commands.md');
  for (const c of commands) {
    const name = String(c.command).split(' ')[0]!;
    if (name === 'demo') continue;
    assert.match(readme, new RegExp(`### \`wstrace ${name}\``), `README section for ${name}`);
    assert.match(readme, new RegExp(`\\$ wstrace ${name}`), `README example run of ${name}`);
    assert.match(reference, new RegExp(`^## \`wstrace ${name}\``, 'm'), `docs/commands.md section for ${name}`);
  }
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!m) continue;
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

test('every relative link in README.md and docs/ points to a file (and heading) that exists', () => {
  const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const broken: string[] = [];
  for (const page of pages) {
    const text = readFileSync(join(root, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file === '' ? page : normalize(join(dirname(page), file));
      if (!existsSync(join(root, target))) {
        broken.push(`${page}: ${link} (no ${target})`);
        continue;
      }
      if (anchor && target.endsWith('.md') && !anchors(readFileSync(join(root, target), 'utf8')).has(anchor)) {
        broken.push(`${page}: ${link} (no heading #${anchor} in ${target})`);
      }
    }
  }
  assert.deepEqual(broken, []);
});

test('quick start is exactly two commands, and CI runs the README test command', () => {
  const m = /## Quick start\s+```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'quick start block');
  const lines = m[1]!.trim().split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  assert.deepEqual(lines, ['npm install && npm start', 'npm test']);
  const ci = readFileSync(join(root, '.ci/run'), 'utf8');
  assert.match(ci, /^npm test\b/m, '.ci/run runs npm test');
});
