// What `npm pack` ships: the built library and CLI, the topology fixtures `chain FILE` reads, the
// licence — never the test TLS private keys, test peers, real-server test configs or benchmarks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { REPO_ROOT } from './helpers/cli.js';

const run = promisify(execFile);

test('npm pack ships the CLI, the topologies and the licence, and no keys or test peers', async () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the other tests' feet.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, timeout: 60_000 });
  const [pack] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  const files = pack.files.map((f) => f.path);
  assert.ok(files.includes('dist/src/cli/main.js'), 'the bin is shipped');
  assert.ok(files.includes('LICENSE'), 'the licence is shipped');
  assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts'), 'the library entry and its types are shipped');
  const topologies = readdirSync(`${REPO_ROOT}/fixtures`).filter((f) => f.endsWith('.json'));
  for (const t of topologies) assert.ok(files.includes(`fixtures/${t}`), `topology ${t} is shipped`);
  const unwanted = files.filter((f) => /\.pem$|\.key$|^dist\/test\/|^dist\/bench\/|^test\/|^bench\/|^fixtures\/(real|tls)\//.test(f));
  assert.deepEqual(unwanted, []);
});
