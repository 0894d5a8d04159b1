/**
 * Tables in docs/ that are rendered from a registry in src/ (the registry is their only source):
 * test/docs-tables.test.ts fails when one is stale, and `npm run docs:tables` rewrites them.
 * A table sits between `<!-- table:NAME … -->` and `<!-- /table:NAME -->`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultAttrsTable, faultKindsTable } from '../../src/proxy/faults/index.js';
import { checksTable } from '../../src/probe/catalog.js';
import { REPO_ROOT } from './cli.js';

export interface DocTable {
  file: string;
  name: string;
  render: () => string;
}

export const DOC_TABLES: DocTable[] = [
  { file: 'docs/faults.md', name: 'fault-kinds', render: faultKindsTable },
  { file: 'docs/faults.md', name: 'fault-attrs', render: faultAttrsTable },
  { file: 'docs/commands.md', name: 'probe-checks', render: checksTable },
];

const region = (name: string) => new RegExp(`(<!-- table:${name}\\b[^>]*-->\\n)([\\s\\S]*?)(\\n<!-- /table:${name} -->)`);

/** The table as the file has it, or undefined when the markers are missing. */
export function current(t: DocTable): string | undefined {
  return region(t.name).exec(readFileSync(path.join(REPO_ROOT, t.file), 'utf8'))?.[2];
}

function write(t: DocTable): void {
  const file = path.join(REPO_ROOT, t.file);
  const text = readFileSync(file, 'utf8');
  if (!region(t.name).test(text)) throw new Error(`${t.file} has no table:${t.name} markers`);
  writeFileSync(file, text.replace(region(t.name), (_m, open: string, _old: string, close: string) => `${open}${t.render()}${close}`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const t of DOC_TABLES) write(t);
  process.stdout.write(`rewrote ${DOC_TABLES.map((t) => `${t.file} (${t.name})`).join(', ')}\n`);
}
