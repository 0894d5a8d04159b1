// `wstrace chain`: strict topology validation (exit 2, one line), the listening output, and a
// clean stop on SIGINT that leaves no port open. Plus the library API other commands use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runCli, startCliServer, assertInputError, ndjson } from './helpers/cli.js';
import { startChain, parseTopology, type Layer } from '../src/chain/index.js';
import { InputError } from '../src/errors.js';
import { WebSocket } from 'ws';

function refused(url: string): Promise<boolean> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    const timer = setTimeout(() => (s.destroy(), resolve(false)), 2_000);
    s.once('connect', () => (clearTimeout(timer), s.destroy(), resolve(false)));
    s.once('error', (e: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(e.code === 'ECONNREFUSED')));
  });
}

test('bad topology files and flags: one error line, exit 2', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wstrace-chain-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const two = file('two.json', JSON.stringify({ hops: [{}, {}] }));
  const cases: [string[], string | RegExp][] = [
    [['chain', file('broken.json', '{"hops": [')], /invalid JSON/],
    [['chain', file('unknown-top.json', '{"hops": [{}], "hopz": 1}')], 'unknown field "hopz" in the top level'],
    [['chain', file('unknown-hop.json', '{"hops": [{"name": "a", "fualts": ["hang"]}]}')], 'unknown field "fualts" in hops[0] (hop 1)'],
    [['chain', file('zero.json', '{"hops": []}')], /"hops" is empty/],
    [['chain', file('nohops.json', '{"endpoint": {}}')], /"hops" must be a list/],
    [['chain', file('badfault.json', '{"hops": [{"faults": ["idle-timeout=soon"]}]}')], /hop 1.*idle-timeout=soon/],
    [['chain', file('faulty-range.json', '{"hops": [{}], "expect": {"verdict": "http-error", "faultyHop": 2}}')], /faultyHop 2 is out of range/],
    [['chain', file('verdict.json', '{"hops": [{}], "expect": {"verdict": "gremlins", "faultyHop": 1}}')], /not a catalogue code/],
    [['chain', file('dup.json', '{"hops": [{"name": "a"}, {"name": "a"}]}')], /two hops are named "a"/],
    [['chain', path.join(dir, 'missing.json')], /cannot read topology/],
    [['chain', two, '--fault', '3:hang'], /hop 3 is out of range 1..2/],
    [['chain', two, '--hops', '2'], /--hops and a topology FILE/],
    [['chain', '--hops', '0'], /bad --hops "0"/],
    [['chain', '--fault', 'hang'], /expected INDEX:SPEC/],
    [['chain', '--hops', '2', '--fault', '0:hang'], /hop 0 is out of range/],
  ];
  // Three at a time: the machine is shared, and each run is a whole node start-up.
  const pending = [...cases];
  await Promise.all([1, 2, 3].map(async () => {
    for (let c = pending.shift(); c; c = pending.shift()) assertInputError(await runCli(c[0], { timeoutMs: 20_000 }), c[1]);
  }));
});

test('SIGINT: chain exits 0 within 1 s, even with a tunnel open, and every former port refuses', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '3', '--fault', '2:latency=10ms', '--json', '--log-level', 'warn']);
  const layers = chain.listening!.layers as Layer[];
  assert.deepEqual(layers.map((l) => l.name), ['hop-1', 'hop-2', 'hop-3', 'echo']);
  assert.deepEqual(layers.map((l) => l.faults), [[], ['latency=10ms'], [], []]);
  assert.equal(chain.url, layers[0]!.url);
  const ws = new WebSocket(layers[0]!.url);
  ws.on('error', () => {});
  t.after(() => ws.terminate());
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('close', reject)));
  const ms = await chain.stop(1_000);
  assert.ok(ms < 1_000, `exited in ${Math.round(ms)} ms`);
  assert.equal(ndjson(chain.stdout()).at(-1)?.event, 'stopped');
  for (const l of layers) assert.ok(await refused(l.url), `${l.name} ${l.url} refuses after stop`);
});

test('human output: the outermost URL first, then an aligned name/url/faults table', async (t) => {
  const chain = await startCliServer(t, ['chain', '--hops', '2', '--name-prefix', 'edge', '--fault', '1:strip-upgrade', '--fault', '1:latency=5ms', '--log-level', 'warn']);
  await chain.stop();
  const lines = chain.stdout().split('\n');
  assert.match(lines[0]!, /^chain listening on ws:\/\/127\.0\.0\.1:\d+\/echo \(2 hop\(s\)/);
  const table = lines.slice(1, 5);
  assert.match(table[0]!, /^ {2}name +url +faults$/);
  assert.match(table[1]!, /^ {2}edge1 +ws:\/\/127\.0\.0\.1:\d+\/echo +strip-upgrade, latency=5ms$/);
  assert.match(table[2]!, /^ {2}edge2 +ws:\/\/\S+ +-$/);
  assert.match(table[3]!, /^ {2}echo +ws:\/\/\S+ +\(echo endpoint\)$/);
  const col = (l: string) => l.indexOf('ws://');
  assert.equal(new Set(table.slice(1).map(col)).size, 1, 'url column aligned');
  assert.ok(lines[0]!.includes(/ws:\/\/\S+/.exec(table[1]!)![0]), 'the first line names hop 1');
});

test('library: startChain layers outermost first, each hop targets the next; close() frees every port', async () => {
  const chain = await startChain(parseTopology(JSON.stringify({ endpoint: { name: 'origin' }, hops: [{ name: 'cdn' }, { faults: ['latency=1ms'] }] })), { namePrefix: 'h' });
  try {
    assert.deepEqual(chain.layers.map((l) => l.name), ['cdn', 'h2', 'origin']);
    // Ask the endpoint (through both hops) which Via chain it received.
    const ws = new WebSocket(chain.layers[0]!.url);
    ws.on('error', () => {});
    const report = await new Promise<{ via: { receivedBy: string }[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no inspect answer')), 3_000);
      ws.once('open', () => ws.send('wstrace:inspect'));
      ws.once('message', (d) => (clearTimeout(timer), resolve(JSON.parse(String(d)))));
    });
    ws.terminate();
    assert.deepEqual(report.via.map((v) => v.receivedBy), ['cdn', 'h2']);
  } finally {
    await chain.close();
    await chain.close();
  }
  for (const l of chain.layers) assert.ok(await refused(l.url), `${l.name} closed`);
  await assert.rejects(startChain({ hops: [{ faults: ['hang'] }, { faults: ['nope'] }] }), (e: unknown) => e instanceof InputError && /hop 2/.test(e.message));
  await assert.rejects(startChain({ hops: [] }), InputError);
});
