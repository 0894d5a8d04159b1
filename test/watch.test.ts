/**
 * `wstrace watch` end to end: the real CLI holds connections through `wstrace proxy --fault …`
 * and must name the path's limit with numbers. The runs hold connections for 10–17 s, so they
 * run side by side; windows are the (± 0.3 s), measured from the 101, so a loaded
 * machine's scheduling does not move them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLI, REPO_ROOT, ndjson, runCli, startCliServer, stopAll, type CliServer, type Ev } from './helpers/cli.js';
import { assertEvent } from './helpers/json-events.js';

// No types ship with it; it is a plain function: exposition text → metric families.
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string }[];
}

interface Limit extends Ev {
  kind: string;
  value: number;
  resetBy: string | null;
  pingsHelp: boolean;
}

let echo: CliServer;
const proxies: CliServer[] = [];

before(async () => {
  echo = await startCliServer(undefined, ['echo', '--port', '0', '--json', '--log-level', 'warn']);
});
after(() => stopAll(...proxies, echo));

async function through(fault: string): Promise<string> {
  const u = new URL(echo.url);
  const p = await startCliServer(undefined, ['proxy', '--port', '0', '--target', `ws://${u.host}`, '--fault', fault, '--json', '--log-level', 'warn']);
  proxies.push(p);
  return `${p.url.replace(/\/$/, '')}/echo`;
}

function limits(events: Ev[], kind?: string): Limit[] {
  return events.filter((e): e is Limit => e.event === 'limit' && (kind === undefined || e.kind === kind));
}

function near(value: number, expected: number, within: number, what: string): void {
  assert.ok(Math.abs(value - expected) <= within, `${what}: ${value} s, expected ${expected} ± ${within} s`);
}

describe('watch through faults', { concurrency: 7 }, () => {
  test('idle-timeout=2s: idle timeout 2.0 s, client traffic resets it, pings keep connections alive; --fail-on drop exits 1; /metrics parses', async () => {
    const url = await through('idle-timeout=2s');
    let metricsUrl: string | undefined;
    let scrape: Promise<string> | undefined;
    const r = await runCli(['watch', url, '--for', '10s', '--every', '1s', '--fail-on', 'drop', '--metrics', '127.0.0.1:0', '--json'], {
      timeoutMs: 30_000,
      onLine: (line) => {
        const ev = assertEvent(JSON.parse(line));
        if (ev.event === 'metrics') metricsUrl = String(ev.url);
        // Scrape while the watch runs, once a limit is known, as Prometheus would.
        if (ev.event === 'limit' && metricsUrl && !scrape) scrape = fetch(metricsUrl).then((res) => res.text());
      },
    });
    const events = ndjson(r.stdout);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const [idle] = limits(events, 'idle-timeout');
    assert.ok(idle, `no idle-timeout limit\n${r.stdout}`);
    near(idle.value, 2, 0.3, 'idle timeout');
    assert.equal(idle.pingsHelp, true);
    assert.equal(idle.resetBy, 'client');
    assert.deepEqual(limits(events).map((l) => l.kind), ['idle-timeout']);
    const drops = events.filter((e) => e.event === 'drop');
    assert.ok(drops.length >= 2);
    assert.deepEqual([...new Set(drops.map((d) => d.pattern))], ['silent'], 'only the silent connection dropped');
    for (const d of drops) assert.equal(d.cause, 'eof');
    const result = events.at(-1)!;
    assert.equal(result.event, 'result');
    assert.equal(result.ok, false);
    assert.equal((result.verdict as { code: string }).code, 'idle-timeout');
    assert.deepEqual((result.failed as { condition: string }[]).map((f) => f.condition), ['drop']);
    for (const s of events.filter((e) => e.event === 'summary')) assert.ok(Number(s.open) <= Number(s.held), 'never more connections than asked');

    assert.ok(scrape, 'scraped /metrics during the run');
    const families = parsePrometheus(await scrape);
    const byName = new Map(families.map((f) => [f.name, f]));
    const dropsTotal = byName.get('wstrace_watch_drops_total');
    assert.equal(dropsTotal?.type, 'COUNTER');
    const silentEof = dropsTotal.metrics.find((m) => m.labels?.cause === 'eof' && m.labels.pattern === 'silent');
    assert.ok(Number(silentEof?.value) >= 1, JSON.stringify(dropsTotal));
    const hs = byName.get('wstrace_watch_handshake_duration_seconds');
    assert.equal(hs?.type, 'HISTOGRAM');
    assert.ok(Number(hs.metrics[0]?.count) >= 4);
    assert.equal(byName.get('wstrace_watch_connection_age_at_drop_seconds')?.type, 'HISTOGRAM');
    const open = Number(byName.get('wstrace_watch_open_connections')?.metrics[0]?.value);
    assert.ok(open >= 0 && open <= 4, `open connections ${open}`);
    const limit = byName.get('wstrace_watch_limit_seconds')?.metrics.find((m) => m.labels?.kind === 'idle-timeout');
    near(Number(limit?.value), 2, 0.3, 'limit gauge');
  });

  test('max-lifetime=3s: lifetime 3.0 s, pings do not help', async () => {
    const url = await through('max-lifetime=3s');
    const r = await runCli(['watch', url, '--for', '10s', '--every', '2s', '--json'], { timeoutMs: 30_000 });
    const events = ndjson(r.stdout);
    assert.equal(r.code, 0, 'no --fail-on: exit 0');
    const [life] = limits(events, 'max-lifetime');
    assert.ok(life, `no max-lifetime limit\n${r.stdout}`);
    near(life.value, 3, 0.3, 'lifetime');
    assert.equal(life.pingsHelp, false);
    assert.deepEqual(limits(events, 'idle-timeout'), [], 'not an idle timeout');
    const pingDrops = events.filter((e) => e.event === 'drop' && e.pattern === 'ping');
    assert.ok(pingDrops.length >= 1, 'the ping connection died too');
    for (const d of pingDrops) assert.ok(Number(d.idleDownMs) < 2_000, `pongs were flowing: idle down ${String(d.idleDownMs)} ms`);
  });

  test('drain=5s: every connection reset together every 5 s is reported as a periodic reset, not a lifetime', async () => {
    const url = await through('drain=5s');
    const r = await runCli(['watch', url, '--for', '17s', '--every', '2s', '--json'], { timeoutMs: 40_000 });
    const events = ndjson(r.stdout);
    const [reset] = limits(events, 'periodic-reset');
    assert.ok(reset, `no periodic-reset limit\n${r.stdout}`);
    near(reset.value, 5, 0.3, 'period');
    assert.deepEqual(limits(events, 'max-lifetime'), [], 'not a lifetime: connections of different ages died together');
  });

  test('a TCP reset (reset-after=1k) is a reset; a close frame (the echo obeys --message wstrace:close:4001) is a close with its code', async () => {
    const url = await through('reset-after=1k');
    const [reset, closed] = await Promise.all([
      runCli(['watch', url, '--for', '4s', '--pattern', 'message', '--interval', '50ms', '--json'], { timeoutMs: 30_000 }),
      runCli(['watch', echo.url, '--for', '3s', '--pattern', 'message', '--message', 'wstrace:close:4001', '--json'], { timeoutMs: 30_000 }),
    ]);
    const resets = ndjson(reset.stdout).filter((e) => e.event === 'drop');
    assert.ok(resets.length >= 1, reset.stdout);
    for (const d of resets) assert.deepEqual([d.cause, d.closeCode, d.errorCode], ['reset', 1006, 'ECONNRESET']);
    const closes = ndjson(closed.stdout).filter((e) => e.event === 'drop');
    assert.ok(closes.length >= 1, closed.stdout);
    for (const d of closes) assert.deepEqual([d.cause, d.closeCode], ['close', 4001]);
  });

  test('blackhole (a silent NAT drop): the ping connection gets no pong within --timeout, a half-open drop', async () => {
    const url = await through('blackhole');
    const r = await runCli(['watch', url, '--for', '4s', '--pattern', 'ping', '--interval', '200ms', '--timeout', '1s', '--fail-on', 'drop', '--json'], { timeoutMs: 30_000 });
    const events = ndjson(r.stdout);
    const drops = events.filter((e) => e.event === 'drop');
    assert.ok(drops.length >= 1, r.stdout);
    assert.deepEqual([drops[0]!.cause, drops[0]!.reason], ['no-pong', 'no pong within 1000 ms']);
    assert.equal(r.code, 1);
    assert.equal((events.at(-1)!.verdict as { code: string }).code, 'half-open');
  });

  test('healthy path: --for 10s --fail-on drop exits 0 with periodic summaries and no drop (human output)', async () => {
    const r = await runCli(['watch', echo.url, '--for', '10s', '--every', '1s', '--summary', '4s', '--fail-on', 'drop', '--fail-on', 'limit<1h'], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^watch ws:\/\/127\.0\.0\.1:\d+\/echo: 4 held connection\(s\) \(silent, ping, pong, message\)/);
    assert.equal(lines.filter((l) => /^\[\s*\d+\.\d{3}\] summary\s+held 4\/4, drops 0/.test(l)).length, 2, r.stdout);
    assert.doesNotMatch(r.stdout, /\bdrop\s+#/);
    assert.match(r.stdout, /^limits: none seen$/m);
    assert.match(lines.at(-1)!, /^ok: no --fail-on condition met$/);
    assert.doesNotMatch(r.stdout, /\r|\x1b\[/, 'no status line when stdout is not a terminal');
  });

  test('nothing listens: handshakes fail with backoff (not a tight loop), no drop, --fail-on handshake-failures exits 1', async () => {
    const r = await runCli(['watch', 'ws://127.0.0.1:1/', '--for', '3s', '--pattern', 'silent', '--pattern', 'ping', '--fail-on', 'handshake-failures>50%', '--json'], { timeoutMs: 20_000 });
    const events = ndjson(r.stdout);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const held = events.filter((e) => e.event === 'handshake' && e.purpose !== 'probe');
    assert.ok(held.every((h) => h.ok === false && h.code === 'connect-refused'));
    // 0 s, +0.5, +1, +2 …: at most 4 tries per slot in 3 s.
    for (const p of ['silent', 'ping']) assert.ok(held.filter((h) => h.purpose === p).length <= 4, `${p}: ${held.filter((h) => h.purpose === p).length} tries`);
    assert.equal(events.filter((e) => e.event === 'drop').length, 0);
    const result = events.at(-1)!;
    assert.equal((result.verdict as { code: string }).code, 'connect-refused');
  });
});

test('Ctrl-C ends the watch with the final summary and a stop line, exit 0, nothing left open', async (t) => {
  // Human output: its first line names the URL, which is all startCliServer needs from a non-server.
  const w = await startCliServer(t, ['watch', echo.url, '--every', '500ms']);
  assert.match(w.firstLine, /^watch ws:.*until Ctrl-C$/);
  await new Promise((r) => setTimeout(r, 1_500));
  await w.stop();
  assert.match(w.stdout(), /^\[\s*\d+\.\d{3}\] done: drops 0; handshakes \d+ ok 0 failed, p50 [\d.]+ ms p99 [\d.]+ ms$/m);
  assert.match(w.stdout(), /ok: no --fail-on condition met\nstopped \(SIGINT\)\n$/);
});

const PY = '/usr/bin/python3';
// Runs argv[1:] on a pty (stdin, stdout and stderr all a terminal) and copies its output.
const PTY_RUN = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';

test('on a terminal, a status line is redrawn in place and cleared at the end', { skip: !existsSync(PY) && 'no python3 for a pty' }, async () => {
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(PY, ['-c', PTY_RUN, process.execPath, CLI, 'watch', echo.url, '--for', '2.5s', '--pattern', 'ping'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, text });
    });
  });
  assert.equal(out.code, 0, out.text);
  const status = [...out.text.matchAll(/\r\x1b\[2K(\[\s*\d+\.\d{3}\] held \d\/1 [^\r\n]*)/g)].map((m) => m[1]!);
  assert.ok(status.length >= 1, `a status line on the terminal:\n${JSON.stringify(out.text)}`);
  assert.match(status.at(-1)!, /held 1\/1 · drops 0 · handshake p50 [\d.]+ ms p99 [\d.]+ ms, 0 failed$/);
  assert.match(out.text, /\r\x1b\[2K\[\s*\d+\.\d{3}\] done: drops 0/, 'the final report overwrites the status line');
});
