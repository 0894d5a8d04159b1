/**
 * The client against peers that misbehave on purpose (raw TCP, no WebSocket library): a server
 * that never answers, one that resets, a wrong accept key, garbage after the 101, and an echo
 * endpoint killed mid-stream. Each ends in one catalogue verdict, exit 1, no crash, and no socket
 * left open on the peer's side.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ndjson, resultOf, runCli, startCliServer } from './helpers/cli.js';
import { acceptFor, garbageAfter101Server, hangingServer, resettingServer, wrongAcceptServer } from './helpers/raw-peers.js';
import { runClient } from '../src/client/run.js';
import { parseWsUrl } from '../src/net/url.js';
import { memoryReporter } from '../src/events.js';

const NO_STACK = /^\s+at /m;

describe('client: a server that accepts TCP and never answers', { concurrency: 2 }, () => {
  it('CLI: handshake-timeout within --timeout 1s + 1 s, exit 1, the server sees the socket close', async (t) => {
    const peer = await hangingServer();
    t.after(() => peer.close());
    const r = await runCli(['client', `${peer.url}/ws`, '--timeout', '1s', '--json'], { timeoutMs: 10_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'handshake-timeout');
    assert.match(res.verdict!.summary, /1000 ms/);
    // The client's own clock: the upgrade phase gave up at its deadline, not later.
    assert.ok(Number(res.totalMs) < 2_000, `gave up after ${String(res.totalMs)} ms`);
    // Whole process, startup included, with room for a loaded 2-core machine: not a hang.
    assert.ok(r.ms < 8_000, `process took ${r.ms.toFixed(0)} ms`);
    assert.match(peer.requests.join(''), /^GET \/ws HTTP\/1\.1\r\n/, 'the request did reach the server');
    await peer.waitAllClosed(2_000);
  });

  it('library: runClient returns at the deadline and has already closed its socket', async (t) => {
    const peer = await hangingServer();
    t.after(() => peer.close());
    const reporter = memoryReporter();
    const t0 = performance.now();
    const res = await runClient({ target: parseWsUrl(`${peer.url}/`), timeoutMs: 500 }, reporter);
    const took = performance.now() - t0;
    assert.equal(res.ok, false);
    assert.equal(res.verdict?.code, 'handshake-timeout');
    assert.ok(took >= 450 && took < 2_500, `took ${took.toFixed(0)} ms`);
    // No process exit to hide a leak here: the server must see the close on its own.
    await peer.waitAllClosed(1_000);
    assert.equal(reporter.events.filter((e) => e.event === 'result').length, 1);
  });
});

describe('client: broken handshakes', { concurrency: 3 }, () => {
  it('101 with a wrong Sec-WebSocket-Accept → bad-accept naming the expected and received keys', async (t) => {
    const peer = await wrongAcceptServer();
    t.after(() => peer.close());
    const r = await runCli(['client', peer.url, '--json'], { timeoutMs: 10_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'bad-accept');
    const sent = peer.sent[0]!;
    const evidence = res.verdict!.evidence.join('\n');
    assert.ok(evidence.includes(acceptFor(sent.key)), `evidence should give the expected accept ${acceptFor(sent.key)}: ${evidence}`);
    assert.ok(evidence.includes(sent.wrongAccept), `evidence should give the received accept ${sent.wrongAccept}: ${evidence}`);
    assert.ok(evidence.includes(sent.key), 'evidence should give the key we sent');
    assert.match(evidence, /rewriting-box/, 'evidence names who answered (Server header)');
    await peer.waitAllClosed(2_000);
  });

  it('garbage after a valid 101 → a clean protocol verdict, exit 1, no crash', async (t) => {
    const peer = await garbageAfter101Server();
    t.after(() => peer.close());
    const r = await runCli(['client', peer.url, '--json'], { timeoutMs: 15_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, NO_STACK);
    assert.doesNotMatch(r.stderr, /unexpected/);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'protocol-error');
    assert.match(res.verdict!.evidence.join(' '), /WS_ERR_|1002/);
    await peer.waitAllClosed(2_000);
  });

  it('garbage after a valid 101, human output: one verdict line with evidence and a next step', async (t) => {
    const peer = await garbageAfter101Server();
    t.after(() => peer.close());
    const r = await runCli(['client', peer.url], { timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout.match(/^verdict: /gm)?.length, 1, r.stdout);
    assert.match(r.stdout, /^verdict: protocol-error: /m);
    assert.match(r.stdout, /^  evidence: /m);
    assert.match(r.stdout, /^  next: /m);
  });

  for (const [phase, code] of [['accept', 'no-response'], ['head', 'no-response'], ['after-101', 'connection-dropped'], ['mid-frame', 'connection-dropped']] as const) {
    it(`a server that resets at "${phase}" → ${code}, exit 1, no stack`, async (t) => {
      const peer = await resettingServer(phase);
      t.after(() => peer.close());
      const r = await runCli(['client', peer.url, '--json', '--timeout', '2s'], { timeoutMs: 15_000 });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.doesNotMatch(r.stderr, NO_STACK);
      assert.equal(resultOf(r.stdout).verdict?.code, code, r.stdout);
    });
  }
});

describe('client: the endpoint dies mid-stream', () => {
  it('SIGKILL the echo while the client runs --count 50 --interval 100ms → connection-dropped, close 1006, exit 1', async (t) => {
    const echo = await startCliServer(t, ['echo', '--port', '0', '--json']);
    let killedAt = 0;
    const r = await runCli(['client', echo.url, '--count', '50', '--interval', '100ms', '--json'], {
      timeoutMs: 20_000,
      onLine: (line) => {
        // Three good echoes prove the stream was flowing; then the endpoint vanishes.
        if (!killedAt && line.includes('"seq":3')) {
          killedAt = performance.now();
          echo.kill('SIGKILL');
        }
      },
    });
    assert.ok(killedAt > 0, 'never saw three echoes');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.doesNotMatch(r.stderr, NO_STACK);
    const res = resultOf(r.stdout);
    assert.equal(res.verdict?.code, 'connection-dropped', JSON.stringify(res.verdict));
    assert.equal(res.closeCode, 1006);
    assert.ok((res.echoes as { matched: number }).matched >= 3);
    assert.ok((res.echoes as { matched: number }).matched < 50);
    // Reported promptly, not after the per-phase deadline.
    assert.ok(performance.now() - killedAt < 4_000);
    // The loss is reported once: as the echo in flight, or as the close seen during the pause.
    const failed = ndjson(r.stdout).filter((e) => e.event === 'echo' && e.ok === false);
    assert.ok(failed.length <= 1, 'at most one echo is reported as lost');
    const closes = ndjson(r.stdout).filter((e) => e.event === 'phase' && e.phase === 'close');
    assert.deepEqual(closes.map((e) => [e.by, e.code]), [['peer', 1006]]);
  });

  it('human output of the same: aligned rows for 12 echoes and a verdict naming 1006', async (t) => {
    const echo = await startCliServer(t, ['echo', '--port', '0']);
    let seen = 0;
    const r = await runCli(['client', echo.url, '--count', '50', '--interval', '50ms'], {
      timeoutMs: 20_000,
      onLine: (line) => {
        if (/^\[.*\] echo /.test(line) && ++seen === 12) echo.kill('SIGKILL');
      },
    });
    assert.equal(r.code, 1, r.stdout);
    const rows = r.stdout.split('\n').filter((l) => /^\[ *\d+\.\d{3}\] /.test(l));
    for (const l of rows) assert.match(l, /^\[ *\d+\.\d{3}\] \S.{8} /, `misaligned: ${l}`);
    // Counters are right-aligned, so " 9/50" and "12/50" put their slash in the same column.
    const echoRows = rows.filter((l) => / echo {6}/.test(l));
    assert.ok(echoRows.length >= 12, r.stdout);
    assert.equal(new Set(echoRows.map((l) => l.indexOf('/'))).size, 1, `echo counters not aligned:\n${echoRows.join('\n')}`);
    assert.match(r.stdout, /echo  +9\/50  18 B text/);
    assert.match(r.stdout, /echo +12\/50  18 B text/);
    assert.match(r.stdout, /^verdict: connection-dropped: .*1006/m);
  });
});
