import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('no package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** The checkout: where package.json, docs/ and dist/ are, whether a test runs from test/ or dist/test/. */
export const REPO_ROOT = findRepoRoot();
