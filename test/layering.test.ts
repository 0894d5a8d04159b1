/**
 * The line between the library and the CLI, and no import cycles: read from the sources' import
 * statements (static and dynamic, `import type` included), so a cycle that only types close is
 * still a cycle in the layering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/repo-root.js';

function sources(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(REPO_ROOT, path.join(e.parentPath, e.name)));
}

/** Every relative module a file imports (import/export … from, import(…)), as repo paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
    const spec = m[1] ?? m[2]!;
    out.push(path.normalize(path.join(path.dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

const SRC = sources('src');
const GRAPH = new Map(SRC.map((f) => [f, importsOf(f).filter((d) => SRC.includes(d))]));
const isCli = (f: string) => f.startsWith('src/cli/');
const isRenderer = (f: string) => f.startsWith('src/report/');

test('the library (src/ outside src/cli/) imports nothing from the CLI', () => {
  const bad = [...GRAPH].filter(([f]) => !isCli(f)).flatMap(([f, deps]) => deps.filter(isCli).map((d) => `${f} → ${d}`));
  assert.deepEqual(bad, []);
});

test('the library imports no renderer (src/report/ is for the CLI)', () => {
  const bad = [...GRAPH].filter(([f]) => !isCli(f) && !isRenderer(f)).flatMap(([f, deps]) => deps.filter(isRenderer).map((d) => `${f} → ${d}`));
  assert.deepEqual(bad, []);
});

test('no import cycles in src/ (type-only imports count)', () => {
  // Tarjan's strongly connected components: any component of more than one file is a cycle.
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of GRAPH.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const f of GRAPH.keys()) if (!index.has(f)) visit(f);
  assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => `  ${c.join(' ⇄ ')}`).join('\n')}`);
});
