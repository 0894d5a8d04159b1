// Acceptance table: every fixture in fixtures/*.json is a real case from the failure catalogue.
// `wstrace client` against the outermost layer must exit 1 with the verdict the fixture expects;
// against the layer just inside the faulty hop it must exit 0 (the fault is localised there).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { runCli, startCliServer, resultOf, REPO_ROOT } from './helpers/cli.js';
import { loadTopology, type ExpectedClient, type Layer } from '../src/chain/index.js';

const DIR = path.join(REPO_ROOT, 'fixtures');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

/**
 * Cases where the client (src/client, src/diagnose: not this suite's code) concludes something
 * else today. The subtest still runs and prints what it saw; see the chain/faults report.
 */

const REQUIRED = [
  'classic-elb-strips-upgrade', 'hijack-hang', 'gateway-502', 'origin-403', 'nginx-idle-60s', 'gcp-lb-max-lifetime', 'easegress-32k-limit',
  'close-never-answered', 'silent-nat-drop', 'subprotocol-lost', 'deflate-mangled', 'healthy-3-hops',
];

function clientArgs(c: ExpectedClient = {}): string[] {
  const a: string[] = [];
  for (const p of c.subprotocols ?? []) a.push('--subprotocol', p);
  for (const h of c.headers ?? []) a.push('--header', h);
  if (c.origin !== undefined) a.push('--origin', c.origin);
  if (c.message !== undefined) a.push('--message', c.message);
  if (c.size !== undefined) a.push('--size', String(c.size));
  if (c.count !== undefined) a.push('--count', String(c.count));
  if (c.interval !== undefined) a.push('--interval', c.interval);
  if (c.timeout !== undefined) a.push('--timeout', c.timeout);
  if (c.deflate === false) a.push('--no-deflate');
  if (c.binary) a.push('--binary');
  if (c.http !== undefined) a.push('--http', c.http);
  return a;
}

test('every catalogue case has its fixture, each valid with an expectation', () => {
  for (const name of REQUIRED) assert.ok(FILES.includes(`${name}.json`), `fixtures/${name}.json exists`);
  for (const f of FILES) {
    const t = loadTopology(path.join(DIR, f));
    assert.ok(t.expect, `${f} has "expect"`);
    assert.ok(t.description && t.description.length > 20, `${f} describes the real case`);
  }
});

describe('fixtures end to end', { concurrency: 3 }, () => {
  for (const file of FILES) {
    test(file, async (t) => {
      const topo = loadTopology(path.join(DIR, file));
      const ex = topo.expect!;
      const chain = await startCliServer(t, ['chain', path.join(DIR, file), '--json', '--log-level', 'warn']);
      const layers = chain.listening!.layers as Layer[];
      assert.equal(layers.length, topo.hops.length + 1);
      const args = ['--json', ...clientArgs(ex.client)];
      const [outer, inner] = await Promise.all([
        runCli(['client', layers[0]!.url, ...args], { timeoutMs: 25_000 }),
        ex.faultyHop === null ? undefined : runCli(['client', layers[ex.faultyHop]!.url, ...args], { timeoutMs: 25_000 }),
      ]);
      await chain.stop();
      const seen = resultOf(outer.stdout);
      const what = `${seen.verdict?.code ?? 'ok'}: ${seen.verdict?.summary ?? ''}\n${outer.stderr}`;
      if (ex.verdict === null) {
        assert.equal(outer.code, 0, what);
        return;
      }
      await t.test('outermost layer: exit 1', () => assert.equal(outer.code, 1, what));
      await t.test(`outermost layer: verdict ${ex.verdict}`, () => assert.equal(seen.verdict?.code, ex.verdict, what));
      await t.test(`layer ${ex.faultyHop! + 1} (just inside the faulty hop "${layers[ex.faultyHop! - 1]!.name}"): exit 0`, () => {
        assert.equal(inner!.code, 0, `exit ${inner!.code}${inner!.timedOut ? ' (timed out)' : ''}\n${inner!.stdout}\n${inner!.stderr}`);
      });
    });
  }
});
