/**
 * Runs the selected checks against one URL. A first connection learns whether a 101 is
 * possible at all (if not, every row says why instead of each check timing out on its own)
 * and whether a wstrace endpoint answers. Then every check runs at once, each on its own
 * connections (heavy ones right after the other quick ones, so their megabytes do not skew
 * anyone's round-trip times), so the probe takes about as long as its slowest check; each is bounded
 * by --max-wait from the start and its sockets are destroyed when it ends, whatever happened.
 * Rows are reported in registry order as soon as they and the rows before them are done.
 */
import { ENDPOINT_HEADER } from '../constants.js';
import type { Connection } from '../connection.js';
import { verdict, type Verdict, type VerdictCode } from '../diagnose/catalogue.js';
import { identify } from '../diagnose/identify.js';
import { messageOf, WstraceError } from '../errors.js';
import type { CheckEvent, ProbeStreamEvent, Reporter } from '../events.js';
import { outcome, type Check, type CheckOutcome, type PeerInfo, type ProbeSettings } from './check.js';
import { CheckRun } from './context.js';
import { firstHeader, OpenError, openSession } from './open.js';
import { fmtMs } from './steps.js';
import { redirectTarget } from '../net/url.js';
import { msSince, roundMs } from '../net/duration.js';
import type { Session } from './session.js';

/** How long past --max-wait the runner lets a check wind down before it reports it stuck. */
const GRACE_MS = 250;

export interface ProbeOptions extends ProbeSettings {
  checks: readonly Check[];
  /** Emit a `progress` event this often while checks run (the CLI sets it on a TTY). */
  progressMs?: number;
}

export interface CheckRow extends CheckOutcome {
  name: string;
  long: boolean;
  /** How long the check ran. */
  ms: number;
  /** When (ms since the probe began) the check could not even connect, after the first connection had. */
  refusedAt?: number;
}

export interface ProbeResult {
  ok: boolean;
  rows: CheckRow[];
  verdict?: Verdict;
  ms: number;
}

/** The shared connection options as probe's sessions take them (Origin is one more request header). */
export function probeConnection(
  c: Pick<Connection, 'headers' | 'origin' | 'subprotocols' | 'insecure' | 'ca' | 'reach' | 'redirects'>,
): Pick<ProbeSettings, 'headers' | 'subprotocols' | 'tls' | 'reach' | 'redirects'> {
  return {
    headers: c.origin === undefined ? c.headers : { ...c.headers, Origin: c.origin },
    subprotocols: c.subprotocols,
    tls: { insecure: c.insecure, ...(c.ca ? { ca: c.ca } : {}) },
    reach: c.reach,
    redirects: c.redirects,
  };
}

export async function runProbe(opts: ProbeOptions, reporter: Reporter<ProbeStreamEvent>): Promise<ProbeResult> {
  const t0 = performance.now();
  const settings: ProbeSettings = { ...opts };
  let peer: PeerInfo = {};
  let rows: Promise<CheckRow>[];
  const closing: Promise<void>[] = [];
  let refused: Verdict | undefined;
  const running = new Set<string>();
  const ticker = opts.progressMs ? setInterval(() => {
    if (running.size) reporter.emit({ event: 'progress', t: msSince(t0), running: [...running], maxWaitMs: opts.maxWaitMs });
  }, opts.progressMs) : undefined;
  const track = (c: Check, p: () => Promise<CheckRow>) => {
    running.add(c.name);
    return p().finally(() => running.delete(c.name));
  };
  try {
    const first = await openFollowing(settings, reporter, t0);
    peer = {
      endpoint: firstHeader(first.head.headers, ENDPOINT_HEADER.toLowerCase()),
      software: identify({ status: 101, headers: first.head.headers, body: '' }),
    };
    closing.push(first.closeGracefully(Math.min(opts.timeoutMs, opts.maxWaitMs, 500)));
    const start = (c: Check) => track(c, () => runCheck(c, settings, peer, t0, closing));
    // The handshake figure is the path's time to a 101: measured alone, before the other checks
    // open their connections at once and share this process (and the peer) with it.
    const alone = opts.checks.find((c) => c.name === 'handshake');
    const light = new Map<Check, Promise<CheckRow>>();
    if (alone) {
      light.set(alone, start(alone));
      await light.get(alone)?.catch(() => undefined);
    }
    for (const c of opts.checks) if (!c.heavy && !light.has(c)) light.set(c, start(c));
    const quick = Promise.allSettled([...light].filter(([c]) => !c.long).map(([, p]) => p));
    rows = opts.checks.map((c) => light.get(c) ?? quick.then(() => start(c)));
  } catch (e) {
    if (!(e instanceof OpenError)) throw e;
    refused = e.verdict;
    rows = opts.checks.map((c) => Promise.resolve(notRun(c, e.verdict)));
  }

  const done: CheckRow[] = [];
  try {
    for (const row of rows) {
      const r = await row;
      done.push(r);
      reporter.emit(checkEvent(r, t0));
    }
  } finally {
    clearInterval(ticker);
  }
  await Promise.all(closing);
  const failed = done.find((r) => r.status === 'fail');
  const v = refused ?? (failed ? failVerdict(done) : undefined);
  const ms = performance.now() - t0;
  const count = (s: string) => done.filter((r) => r.status === s).length;
  reporter.emit({
    event: 'result', ok: !failed, url: settings.target.url.href, endpoint: peer.endpoint ?? null,
    checks: done.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), totalMs: roundMs(ms),
    ...(v ? { verdict: v } : {}),
  });
  return { ok: !failed, rows: done, ms, ...(v ? { verdict: v } : {}) };
}

/**
 * The first connection; with --location it follows 3xx answers (a `redirect` phase each) and
 * every check then runs against the final URL (`settings.target` is updated).
 */
async function openFollowing(settings: ProbeSettings, reporter: Reporter<ProbeStreamEvent>, t0: number): Promise<Session> {
  const seen = new Set([settings.target.url.href]);
  for (let hop = 0; ; hop++) {
    try {
      return await openSession({
        target: settings.target, timeoutMs: Math.min(settings.timeoutMs, settings.maxWaitMs), headers: settings.headers,
        subprotocols: settings.subprotocols, tls: settings.tls, maxPayload: 1 << 20, ...(settings.reach ? { reach: settings.reach } : {}),
      });
    } catch (e) {
      const status = e instanceof OpenError ? e.head?.status ?? 0 : 0;
      const location = e instanceof OpenError && status >= 300 && status < 400 ? firstHeader(e.head!.headers, 'location') : undefined;
      if (!location || hop >= (settings.redirects ?? 0)) throw e;
      const next = redirectTarget(location, settings.target);
      // A loop, or a Location wstrace cannot follow: report the 3xx itself.
      if (!next.ok || seen.has(next.target.url.href)) throw e;
      seen.add(next.target.url.href);
      reporter.emit({ event: 'phase', phase: 'redirect', t: msSince(t0), status, from: settings.target.url.href, location, to: next.target.url.href });
      settings.target = next.target;
    }
  }
}

/** The check that measures each cause precisely; its row beats another check's sighting of it. */
const SPECIALIST: Partial<Record<VerdictCode, string>> = {
  'message-too-big': 'max-message', 'close-unanswered': 'close-reply', 'bad-accept': 'handshake',
  'extension-broken': 'compression', 'subprotocol-mismatch': 'subprotocol', 'idle-timeout': 'idle-timeout',
};

/**
 * The headline order (README "wstrace probe"): a server that stopped accepting connections, a
 * 101 that no browser accepts (nothing after it matters), then unbounded waits, protocol
 * violations, limits, mismatches, anything else. Within a class the first row in report order
 * wins, or the specialist for its cause.
 */
export const SEVERITY: readonly (readonly VerdictCode[])[] = [
  ['bad-accept'],
  ['close-unanswered', 'half-open', 'handshake-timeout'],
  ['protocol-error', 'bad-response', 'extension-broken', 'terminating-hop'],
  ['message-too-big', 'idle-timeout', 'max-lifetime', 'connection-dropped'],
  ['echo-mismatch', 'subprotocol-mismatch'],
];

const rank = (code: VerdictCode | undefined) => {
  const i = SEVERITY.findIndex((group) => code !== undefined && group.includes(code));
  return i < 0 ? SEVERITY.length : i;
};

/** The most severe FAIL row names the verdict; the others are listed. */
export function failVerdict(rows: CheckRow[]): Verdict {
  const fails = rows.filter((r) => r.status === 'fail');
  const refused = fails.filter((r) => r.refusedAt !== undefined);
  if (refused.length) return stoppedAccepting(refused, fails);
  const worst = Math.min(...fails.map((r) => rank(r.verdict)));
  const firstFail = fails.find((r) => rank(r.verdict) === worst)!;
  const expert = firstFail.verdict && SPECIALIST[firstFail.verdict];
  const first = fails.find((r) => r.name === expert && r.verdict === firstFail.verdict) ?? firstFail;
  const others = fails.filter((r) => r !== first).map((r) => `${r.name} (${r.verdict ?? 'fail'})`);
  const evidence = [...first.evidence, ...(others.length ? [`also failing: ${others.join(', ')}`] : [])];
  return verdict(first.verdict ?? 'protocol-error', `${first.summary} (check ${first.name})`, evidence, first.next);
}

/** The first connection worked and later ones could not connect: the server went away mid-run. */
function stoppedAccepting(refused: CheckRow[], fails: CheckRow[]): Verdict {
  const at = Math.min(...refused.map((r) => r.refusedAt!));
  const first = refused.find((r) => r.refusedAt === at)!;
  const others = fails.filter((r) => r.refusedAt === undefined).map((r) => r.name);
  return verdict(first.verdict ?? 'connect-refused', `the server stopped accepting connections at t=${(at / 1000).toFixed(3)} s: ${refused.length} check(s) could not connect after the first connection had worked`, [
    `${first.name}: ${first.summary}`,
    ...(others.length ? [`failed around then, likely for the same reason: ${others.join(', ')}`] : []),
  ], 'the server crashed, was stopped or hit a connection limit during the probe: check its logs and process state at that time');
}

/** Resolves with the row as soon as the check is done; its connections' closing goes to `closing`. */
async function runCheck(check: Check, settings: ProbeSettings, peer: PeerInfo, t0: number, closing: Promise<void>[]): Promise<CheckRow> {
  const run = new CheckRun(settings, peer, t0);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<CheckOutcome>((resolve) => {
    // Re-armed while the check's deadline was moved on (CheckContext.extendTo).
    const arm = () => {
      timer = setTimeout(() => {
        if (run.remaining() > 0) return arm();
        resolve(outcome('fail', `did not finish within --max-wait (${fmtMs(settings.maxWaitMs)}): stopped`, {
          evidence: ['every wait is bounded, so this is a bug in the check or a peer that trickles bytes'], verdict: 'half-open',
        }));
      }, run.remaining() + GRACE_MS);
    };
    arm();
  });
  let finished = false;
  let refusedAt: number | undefined;
  const failed = (e: unknown) => {
    if (e instanceof OpenError && CANNOT_CONNECT.has(e.verdict.code)) refusedAt = performance.now() - t0;
    return fromError(e);
  };
  try {
    const out = await Promise.race([check.run(run).then((o) => ((finished = true), o), failed), stuck]);
    return { name: check.name, long: check.long, ...out, ms: performance.now() - started, ...(refusedAt !== undefined ? { refusedAt } : {}) };
  } finally {
    clearTimeout(timer);
    closing.push(run.dispose(finished));
  }
}

/** Verdicts of an open that never reached the server: after a first connection worked, it went away. */
const CANNOT_CONNECT = new Set<VerdictCode>(['connect-refused', 'connect-timeout', 'connect-failed']);

function fromError(e: unknown): CheckOutcome {
  if (e instanceof OpenError) {
    return outcome('fail', `could not open a connection: ${e.verdict.summary}`, { evidence: e.verdict.evidence, verdict: e.verdict.code, next: e.verdict.next });
  }
  if (e instanceof WstraceError && e.code === 'ERR_CHECK_STOPPED') {
    return outcome('fail', 'stopped at --max-wait before it could finish', { evidence: [e.message], verdict: 'half-open' });
  }
  return outcome('fail', `internal error: ${messageOf(e)}`, { evidence: [e instanceof Error && e.stack ? e.stack.split('\n')[1]!.trim() : String(e)] });
}

function notRun(check: Check, v: Verdict): CheckRow {
  const summary = check.name === 'handshake' ? `no 101: ${v.summary}` : `not run: no WebSocket upgrade (${v.code})`;
  return { name: check.name, long: check.long, ms: 0, ...outcome('fail', summary, { evidence: check.name === 'handshake' ? v.evidence : [], verdict: v.code }) };
}

export function checkEvent(r: CheckRow, t0: number): CheckEvent {
  return {
    event: 'check', t: msSince(t0), name: r.name, status: r.status, value: r.value, unit: r.unit,
    closeCode: r.closeCode ?? null, summary: r.summary, evidence: r.evidence, long: r.long, ms: roundMs(r.ms),
    ...(r.verdict ? { code: r.verdict } : {}), ...r.data,
  };
}
