/**
 * docs/events.schema.json is the --json contract. Every test that reads --json output validates
 * each line against it (test/helpers/json-events.ts); here: the schema knows exactly the events
 * and verdict codes the code has, the library's own events pass it, and an event that breaks the
 * contract (including each shape the CHANGELOG retired) is refused with ajv's reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { EVENT_NAMES, memoryReporter } from '../src/events.js';
import { VERDICT_CODES } from '../src/diagnose/catalogue.js';
import { runClient } from '../src/client/run.js';
import { startEcho } from '../src/endpoint/server.js';
import { parseWsUrl } from '../src/net/url.js';
import { assertEvent, parseEvents, schemaErrors, SCHEMA_PATH } from './helpers/json-events.js';

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { properties: { event: { enum: string[] } }; $defs: { verdictCode: { enum: string[] } } };

test('the schema lists every event of src/events.ts and every verdict code of the catalogue, no more', () => {
  assert.deepEqual([...schema.properties.event.enum].sort(), [...EVENT_NAMES].sort());
  assert.deepEqual([...schema.$defs.verdictCode.enum].sort(), [...VERDICT_CODES].sort());
});

test('a library run\'s events, as --json would print them, pass the schema', async (t) => {
  const echo = await startEcho({ port: 0 });
  t.after(() => echo.close());
  const mem = memoryReporter();
  const r = await runClient({ target: parseWsUrl(echo.url), timeoutMs: 5_000, count: 2, inspect: true }, mem);
  assert.equal(r.ok, true);
  const lines = mem.events.map((ev) => JSON.stringify(ev)).join('\n');
  const events = parseEvents(lines);
  assert.deepEqual(events.map((e) => e.event).filter((e) => e !== 'phase'), ['trace', 'inspect', 'echo', 'echo', 'result']);
});

const verdict = { code: 'connect-refused', summary: 's', evidence: [], next: 'n' };
const peer = { address: '127.0.0.1', port: 1, family: 'IPv4' };
const BAD: [string, unknown, RegExp][] = [
  ['not an object', 'hello', /must be object/],
  ['no event', { t: 1 }, /must have required property 'event'/],
  ['an event nobody emits', { event: 'nope' }, /must be equal to one of the allowed values/],
  ['a negative t', { event: 'confirm', t: -1, check: 'max-lifetime', note: 'n' }, /\/t must be >= 0/],
  ['a failed phase with a bare string error (before 0.2)', { event: 'phase', phase: 'connect', t: 1, ok: false, error: 'connect ECONNREFUSED' }, /\/error must be object/],
  ['a failed phase without its error', { event: 'phase', phase: 'connect', t: 1, ok: false }, /required property 'error'/],
  ['connect with address+port and local "ip:port" (before 0.2)', { event: 'phase', phase: 'connect', t: 1, ms: 1, address: '127.0.0.1', port: 1, local: '127.0.0.1:2' }, /\/local must be object/],
  ['connect without its ends', { event: 'phase', phase: 'connect', t: 1, ms: 1, local: peer }, /required property 'path'|required property 'peer'/],
  ['a bisect hop with code and verdict.code (before 0.2)', { event: 'hop', t: 1, index: 0, name: 'a', url: 'ws://a/', at: null, probed: true, ok: false, status: null, statusText: '', ms: 1, endpoint: null, verdict, via: null, answeredBy: null, changes: [], firstTraced: null, runs: 1, failures: 1, rate: 1, intermittent: false, code: 'connect-refused' }, /must NOT be valid/],
  ['an inspect report nesting "event":"inspect" (before 0.2)', { event: 'inspect', t: 1, available: true, report: { event: 'inspect', endpoint: 'e', method: 'GET', url: '/', httpVersion: '1.1', headers: [], peer, tls: null, via: [], subprotocol: null, extensions: null, h2: null, receivedAt: 'x' } }, /\/report must NOT be valid/],
  ['a failed result without a verdict', { event: 'result', ok: false, url: 'ws://a/', totalMs: 1 }, /required property 'verdict'/],
  ['probe\'s result with ms, not totalMs (before 0.2)', { event: 'result', ok: true, url: 'ws://a/', endpoint: null, checks: 1, pass: 1, warn: 0, fail: 0, ms: 5 }, /must NOT be valid/],
  ['a frame without its connection', { event: 'frame', t: 1, hop: 'h', dir: 'up', seq: 1, opcode: 'text', fin: true, rsv1: false, rsv2: false, rsv3: false, masked: true, length: 2 }, /required property 'conn'/],
  ['an echo with a string byte count', { event: 'echo', t: 1, seq: 1, count: 1, bytes: '5', binary: false, ms: 1, ok: true }, /\/bytes must be integer/],
  ['a verdict code outside the catalogue', { event: 'result', ok: false, url: 'ws://a/', totalMs: 1, verdict: { ...verdict, code: 'it-broke' } }, /\/verdict\/code must be equal to one of the allowed values/],
  ['a client result without its response and trace (only load mode\'s result is that short)', { event: 'result', ok: true, url: 'ws://a/', status: 101, http: '1.1', endpoint: 'echo', expect: 'echo', echoes: { sent: 1, matched: 1 }, messages: { sent: 1, received: 1 }, pongMs: null, rttMs: null, closeCode: 1000, totalMs: 3 }, /must match a schema in anyOf/],
  ['an error event without its exit code', { event: 'error', code: 'ERR_USAGE', message: 'm' }, /required property 'exitCode'/],
];

for (const [what, ev, reason] of BAD) {
  test(`refused: ${what}`, () => {
    const errors = schemaErrors(ev);
    assert.ok(errors !== undefined, `accepted: ${JSON.stringify(ev)}`);
    assert.match(errors, reason);
    // The test helper fails with the offending line and the reason, as every --json test would.
    assert.throws(() => assertEvent(ev), (e: Error) => e.message.includes(JSON.stringify(ev)) && reason.test(e.message));
  });
}

test('parseEvents fails on the first line that breaks the contract, naming it', () => {
  const good = JSON.stringify({ event: 'stopped', signal: 'SIGINT' });
  const bad = JSON.stringify({ event: 'stopped' });
  assert.equal(parseEvents(good).length, 1);
  assert.throws(() => parseEvents(`${good}\n${bad}\n`), (e: Error) => e.message.includes(bad) && /required property 'signal'/.test(e.message));
  assert.throws(() => parseEvents('not json'), /stdout line is not JSON: not json/);
});
