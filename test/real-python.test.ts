/**
 * A peer we did not write: Python's `websockets` client (its own handshake, masking,
 * permessage-deflate and close handshake) echoes through three `wstrace proxy` hops to
 * `wstrace echo`. Then the endpoint's inspect report, asked for by Python itself and by
 * `wstrace client --inspect`, must show the three hops in path order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOrSkip, runPythonClient } from './helpers/real-servers.js';
import { baseOf, eventOf, log, runCli, startWstrace, stopAll, type CliServer, type Ev } from './helpers/real-cli.js';
import type { TestContext } from 'node:test';

interface PyLine {
  sent?: string;
  received?: string;
  ok?: boolean;
  result?: string;
  error?: string;
  websockets?: string;
}

interface Report {
  headers: [string, string][];
  via: { receivedBy: string; wstrace?: { upgrade: string } }[];
  extensions: string | null;
}

const HOPS = ['hop-1', 'hop-2', 'hop-3'];
const THREE_HOPS = HOPS.map((h) => [h, 'present']);

function pyLines(stdout: string): PyLine[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as PyLine);
}

/** echo, then hop-3 → echo, hop-2 → hop-3, hop-1 → hop-2: returns hop-1's ws:// base. */
async function startThreeHops(t: TestContext, started: CliServer[]): Promise<string> {
  const echo = await startWstrace(t, ['echo', '--port', '0']);
  started.push(echo);
  let upstream = baseOf(echo);
  for (const name of [...HOPS].reverse()) {
    const hop = await startWstrace(t, ['proxy', '--target', upstream, '--name', name]);
    started.push(hop);
    upstream = baseOf(hop);
  }
  return upstream;
}

test('python websockets echoes text, unicode and a 100 KB deflated message through three wstrace hops', async (t) => {
  if (!requireOrSkip(t, 'python3-websockets')) return;
  const started: CliServer[] = [];
  t.after(() => stopAll(started));
  const url = `${await startThreeHops(t, started)}/echo`;

  const big = 'wstrace '.repeat(12_800); // 100 KB: several TCP segments, compressed by permessage-deflate
  const messages = ['hello from python', 'unicode ✓ ünïcödé 🚀', big];
  const r = await runPythonClient(url, messages, 20_000);
  const lines = pyLines(r.stdout);
  log('real-python', `python: ${JSON.stringify(lines.at(-1))}`);
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 0, `stdout=${r.stdout.slice(0, 2000)}\nstderr=${r.stderr}`);
  assert.deepEqual(
    lines.slice(0, -1).map((l) => [l.sent?.length, l.received?.length, l.ok]),
    messages.map((m) => [m.length, m.length, true]),
  );
  assert.equal(lines.at(-1)?.result, 'ok');
});

test('the endpoint reports the three hops: to Python\'s own handshake and to wstrace client --inspect', async (t) => {
  if (!requireOrSkip(t, 'python3-websockets')) return;
  const started: CliServer[] = [];
  t.after(() => stopAll(started));
  const url = `${await startThreeHops(t, started)}/echo`;

  // The endpoint answers `wstrace:inspect` with a report instead of an echo, so the Python
  // client calls it a mismatch (exit 1); what matters is the report of Python's handshake.
  const r = await runPythonClient(url, ['wstrace:inspect'], 15_000);
  const line = pyLines(r.stdout)[0];
  assert.ok(line?.received, `stdout=${r.stdout}\nstderr=${r.stderr}`);
  const py = JSON.parse(line.received) as Report;
  const header = (name: string): string | undefined => py.headers.find(([k]) => k.toLowerCase() === name)?.[1];
  log('real-python', `python's handshake as received: user-agent=${header('user-agent')} via=${header('via')}`);
  assert.match(header('user-agent') ?? '', /websockets/);
  assert.deepEqual(py.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), THREE_HOPS);
  assert.equal(py.extensions, 'permessage-deflate');

  const c = await runCli(['client', url, '--inspect', '--json'], { timeoutMs: 20_000 });
  assert.equal(c.code, 0, c.stdout + c.stderr);
  const inspect = eventOf<Ev & { report?: Report }>(c.stdout, 'inspect');
  assert.ok(inspect?.report, c.stdout);
  assert.deepEqual(inspect.report.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), THREE_HOPS);

  const human = await runCli(['client', url, '--inspect'], { timeoutMs: 20_000 });
  assert.equal(human.code, 0, human.stdout + human.stderr);
  assert.match(human.stdout, /via chain: hop-1 \(upgrade=present\) → hop-2 \(upgrade=present\) → hop-3 \(upgrade=present\)/);
});
