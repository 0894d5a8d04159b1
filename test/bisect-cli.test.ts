/**
 * `wstrace bisect` end to end: the real CLI against real sockets on 127.0.0.1 (wstrace chains
 * started in this process, raw peers that misbehave on purpose). Input errors, healthy paths,
 * single-URL checks, a hanging hop under --timeout, per-hop headers, cause attribution across a
 * pair, and a path that is not monotone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startChain } from '../src/chain/index.js';
import { startProxy } from '../src/proxy/server.js';
import { parseFaultSpec } from '../src/proxy/faults/index.js';
import { parseWsUrl } from '../src/net/url.js';
import { startEcho } from '../src/endpoint/server.js';
import { freePort, limited, resultOf, startApp, startHangServer, wstrace } from './helpers/bisect.js';

test('bad input: one line on stderr, exit 2, no stack', async (t) => {
  const ok = 'ws://127.0.0.1:9/echo';
  const cases: [string, string[], RegExp][] = [
    ['no URLs', ['bisect'], /at least one URL/],
    ['non-ws URL', ['bisect', ok, 'http://127.0.0.1:9/'], /unsupported scheme "http:" in URL #2/],
    ['malformed URL', ['bisect', 'ws://'], /malformed URL #1/],
    ['header syntax', ['bisect', ok, '--header', 'NoColon'], /bad --header "NoColon"/],
    ['hop-header syntax', ['bisect', ok, '--hop-header', 'Host: x'], /bad --hop-header "Host: x": expected INDEX:/],
    ['hop-header index 0', ['bisect', ok, '--hop-header', '0:Host: x'], /index 0 is out of range \(1-1/],
    ['hop-header index too big', ['bisect', ok, ok, '--hop-header', '3:Host: x'], /index 3 is out of range \(1-2/],
    ['hop-header bad name', ['bisect', ok, '--hop-header', '1:Bad Name: x'], /bad --hop-header "1:Bad Name: x": "Bad Name" is not a valid header name/],
    ['more names than URLs', ['bisect', ok, '--name', 'a', '--name', 'b'], /2 --name values for 1 URL/],
    ['bad strategy', ['bisect', ok, '--strategy', 'linear'], /bad --strategy "linear": use all or binary/],
    ['bad repeat', ['bisect', ok, '--repeat', '0'], /bad --repeat "0"/],
    ['repeat with binary', ['bisect', ok, '--repeat', '3', '--strategy', 'binary'], /--repeat needs --strategy all/],
    ['bad timeout', ['bisect', ok, '--timeout', 'soon'], /bad --timeout "soon"/],
    ['unknown --check', ['bisect', ok, '--check', 'nope'], /unknown check "nope"/],
    ['--check with --strategy binary', ['bisect', ok, '--check', 'ping', '--strategy', 'binary'], /--check runs every check at every URL at once/],
    ['--check with --message', ['bisect', ok, '--check', 'ping', '--message', 'hi'], /--message is for client and bisect without --check/],
    ['--check with a bad --max-wait', ['bisect', ok, '--check', 'ping', '--max-wait', '0'], /bad --max-wait "0"/],
  ];
  const runs = await limited(cases.map(([, args]) => () => wstrace(args)), 3);
  cases.forEach(([what, , pattern], i) => {
    const r = runs[i]!;
    t.diagnostic(`${what}: ${r.stderr.trim()}`);
    assert.equal(r.code, 2, `${what}: exit code`);
    assert.match(r.stderr, pattern, what);
    assert.match(r.stderr, /^error: /, what);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${what}: one line`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack`);
    assert.equal(r.stdout, '', `${what}: nothing on stdout`);
  });
});

test('healthy chain: exit 0, every row ok, one hop event per URL then the result', async (t) => {
  const chain = await startChain({ hops: [{}, {}, {}] });
  t.after(() => chain.close());
  const urls = chain.layers.map((l) => l.url);
  const names = chain.layers.flatMap((l) => ['--name', l.name]);
  const [json, human] = await Promise.all([wstrace(['bisect', ...urls, ...names, '--json']), wstrace(['bisect', ...urls, ...names])]);

  assert.equal(json.code, 0, json.stderr);
  const hops = json.events.filter((e) => e.event === 'hop');
  assert.equal(hops.length, 4);
  assert.deepEqual(hops.map((h) => h.index).sort(), [0, 1, 2, 3]);
  assert.equal(json.events.at(-1)!.event, 'result');
  assert.equal(json.events[0]!.event, 'plan');
  const result = resultOf(json);
  assert.equal(result.ok, true);
  assert.equal(result.break, null);
  assert.equal(result.verdict, undefined);
  assert.deepEqual(result.hops.map((h) => [h.index, h.name, h.ok, h.status]), chain.layers.map((l, i) => [i, l.name, true, 101]));

  assert.equal(human.code, 0, human.stderr);
  t.diagnostic(human.stdout);
  const rows = human.stdout.split('\n').filter((l) => /^\s+\d\s/.test(l));
  assert.equal(rows.length, 4);
  for (const [i, row] of rows.entries()) {
    assert.match(row, new RegExp(`^\\s+${i + 1}\\s+${chain.layers[i]!.name}\\s+ws://.*\\s101\\s.*\\sok$`));
  }
  // Aligned: every row's URL column starts at the same offset as the header's.
  const header = human.stdout.split('\n').find((l) => /#\s+name\s+URL/.test(l))!;
  for (const row of rows) assert.equal(row.indexOf('ws://'), header.indexOf('URL'));
  assert.match(human.stdout, /ok: all 4 URLs upgrade and answer: no break on this path/);
  assert.match(human.stdout, /^\[\s+\d+\.\d{3}\] bisect/m);
});

test('one URL: a single-hop check, exit 0 when it works and 1 with the client verdict when not', async (t) => {
  const echo = await startEcho({ port: 0 });
  t.after(() => echo.close());
  const refused = `ws://127.0.0.1:${await freePort()}/echo`;
  const [good, bad, badHuman] = await Promise.all([
    wstrace(['bisect', echo.url, '--json']),
    wstrace(['bisect', refused, '--json']),
    wstrace(['bisect', refused]),
  ]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(resultOf(good).ok, true);

  assert.equal(bad.code, 1, bad.stderr);
  const r = resultOf(bad);
  assert.deepEqual(r.break, { outer: 0, inner: null, code: 'connect-refused' });
  assert.equal(r.verdict!.code, 'connect-refused');
  assert.match(String(r.verdict!.summary), /refused the connection/);

  assert.equal(badHuman.code, 1);
  assert.match(badHuman.stdout, /^verdict: connect-refused: .*refused the connection/m);
  assert.match(badHuman.stdout, /^  next: /m);
});

test('a hop that hangs: --strategy all --timeout 2s ends in under 3 s and names it handshake-timeout', async (t) => {
  // outer → mid → a raw server that accepts and never answers; `inner` is the working origin.
  // The proxies' own upstream deadline (10 s) is longer than the client's, as on real paths.
  const hang = await startHangServer();
  t.after(() => hang.close());
  const echo = await startEcho({ port: 0 });
  t.after(() => echo.close());
  const mid = await startProxy({ targets: [parseWsUrl(hang.url)], name: 'mid', timeoutMs: 10_000 });
  t.after(() => mid.close());
  const outer = await startProxy({ targets: [parseWsUrl(mid.url)], name: 'outer', timeoutMs: 10_000 });
  t.after(() => outer.close());
  const urls = [outer.url, mid.url, hang.url, echo.url];
  const run = await wstrace(['bisect', ...urls, '--name', 'outer', '--name', 'mid', '--name', 'stuck', '--name', 'echo', '--strategy', 'all', '--timeout', '2s', '--json']);
  t.diagnostic(`spawn→exit ${run.ms.toFixed(0)} ms, first output→exit ${run.msAfterFirstOutput?.toFixed(0)} ms`);
  assert.equal(run.code, 1, run.stderr);
  const r = resultOf(run);
  assert.deepEqual(r.break, { outer: 2, inner: 3, code: 'handshake-timeout' });
  assert.deepEqual(r.hops.map((h) => (h.verdict as { code: string } | null)?.code ?? null), ['handshake-timeout', 'handshake-timeout', 'handshake-timeout', null]);
  assert.match(String(r.verdict!.summary), /"stuck" \(#3\) accepts the connection but never answers the upgrade/);
  // Acceptance: the bisect itself (plan → result) ends within --timeout + 1 s …
  assert.ok(Number(r.totalMs) < 3000, `bisect took ${String(r.totalMs)} ms`);
  // … and the process exits right after its result: no socket or timer left behind.
  assert.ok(run.msAfterFirstOutput! < Number(r.totalMs) + 1500, `first output → exit took ${run.msAfterFirstOutput} ms`);
});

test('404 from an app behind a hop, while the app itself upgrades: upgrade-headers-stripped at that hop', async (t) => {
  // The raw client verdict for a bare 404 is http-error; the pair (404 outside, 101 inside) says more.
  const app = await startApp();
  t.after(() => app.close());
  const lb = await startProxy({ targets: [parseWsUrl(`ws://127.0.0.1:${app.port}`)], name: 'lb', faults: [parseFaultSpec('strip-upgrade')] });
  t.after(() => lb.close());
  const edge = await startProxy({ targets: [parseWsUrl(lb.url)], name: 'edge' });
  t.after(() => edge.close());
  const urls = [`${edge.url}/ws`, `${lb.url}/ws`, app.url];
  const [json, human, appAlone] = await Promise.all([
    wstrace(['bisect', ...urls, '--name', 'edge', '--name', 'lb', '--name', 'app', '--json']),
    wstrace(['bisect', ...urls, '--name', 'edge', '--name', 'lb', '--name', 'app']),
    wstrace(['client', urls[1]!, '--json']),
  ]);
  const clientVerdict = (appAlone.events.find((e) => e.event === 'result')!.verdict as { code: string }).code;
  assert.equal(clientVerdict, 'http-error', 'the client alone cannot tell');
  const r = resultOf(json);
  assert.equal(json.code, 1);
  assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'upgrade-headers-stripped' });
  assert.deepEqual(r.hops.map((h) => h.status), [404, 404, 101]);
  assert.match(String(r.verdict!.next), /^fix "lb": make the hop forward Upgrade\/Connection/);
  t.diagnostic(human.stdout);
  assert.match(human.stdout, /^break between "lb" \(#2\) and "app" \(#3\): upgrade-headers-stripped — "lb" \(#2\) answers 404 Not Found while "app" \(#3\) behind it upgrades/m);
  assert.match(human.stdout, /^  next: fix "lb"/m);
});

test('--hop-header goes to its hop only and wins over --header: virtual hosts reached directly', async (t) => {
  const a = await startApp({ vhost: 'a.example' });
  t.after(() => a.close());
  const b = await startApp({ vhost: 'b.example' });
  t.after(() => b.close());
  const [both, shared] = await Promise.all([
    wstrace(['bisect', a.url, b.url, '--header', 'Host: a.example', '--hop-header', '2:Host: b.example', '--json']),
    wstrace(['bisect', a.url, b.url, '--header', 'Host: a.example', '--json']),
  ]);
  assert.equal(both.code, 0, both.stdout + both.stderr);
  assert.equal(resultOf(both).ok, true);
  assert.equal(shared.code, 1);
  assert.deepEqual(resultOf(shared).break, { outer: 1, inner: null, code: 'http-error' });
});

test('not monotone: an outer URL works while one behind it fails — reported, not guessed away', async (t) => {
  const echo = await startEcho({ port: 0 });
  t.after(() => echo.close());
  const dead = `ws://127.0.0.1:${await freePort()}/echo`;
  const urls = [echo.url, dead, echo.url];
  const [json, human] = await Promise.all([
    wstrace(['bisect', ...urls, '--name', 'front', '--name', 'side', '--name', 'origin', '--json']),
    wstrace(['bisect', ...urls, '--name', 'front', '--name', 'side', '--name', 'origin']),
  ]);
  assert.equal(json.code, 1);
  const r = resultOf(json);
  assert.deepEqual(r.break, { outer: 1, inner: 2, code: 'connect-refused' });
  assert.equal(r.monotone, false);
  assert.match(String((r.anomalies as string[])[0]), /"side" \(#2\) fails but "front" \(#1\) in front of it works: routing differs per entry point/);
  assert.match(human.stdout, /evidence: not monotone: "side" \(#2\) fails but "front" \(#1\)/);
});

test('evidence and next step use the --name labels, not the hops\' own Via names', async (t) => {
  const chain = await startChain({ hops: [{}, { faults: ['strip-upgrade'] }, {}] });
  t.after(() => chain.close());
  const urls = chain.layers.map((l) => l.url);
  const r = await wstrace(['bisect', ...urls, '--name', 'cdn', '--name', 'lb', '--name', 'app', '--name', 'origin', '--json']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const v = resultOf(r).verdict as unknown as { summary: string; evidence: string[]; next: string };
  // Raw Via header values quoted as evidence keep the hops' own names; every sentence uses the labels.
  const text = [v.summary, ...v.evidence.filter((e) => !e.includes('(wstrace;')), v.next].join('\n');
  assert.doesNotMatch(text, /hop-\d/, text);
  assert.match(text, /stripped between "lb" and "app"/);
  assert.match(v.next, /^fix "lb"/);
});
