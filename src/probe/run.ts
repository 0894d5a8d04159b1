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
import type { Connection } from '../connection-options.js';
import { verdict, type Verdict, type VerdictCode } from '../diagnose/catalogue.js';
import { messageOf, WstraceError } from '../errors.js';
import type { Reporter } from '../report/reporter.js';
import { outcome, type Check, type CheckOutcome, type PeerInfo, type ProbeSettings } from './check.js';
import { CheckRun } from './context.js';
import { firstHeader, OpenError, openSession } from './open.js';
import { fmtMs } from './steps.js';

/** How long past --max-wait the runner lets a check wind down before it reports it stuck. */
const GRACE_MS = 250;

export interface ProbeOptions extends ProbeSettings {
  checks: readonly Check[];
}

export interface CheckRow extends CheckOutcome {
  name: string;
  long: boolean;
  /** How long the check ran. */
  ms: number;
}

export interface ProbeResult {
  ok: boolean;
  rows: CheckRow[];
  verdict?: Verdict;
  ms: number;
}

/** The shared connection options as probe's sessions take them (Origin is one more request header). */
export function probeConnection(c: Pick<Connection, 'headers' | 'origin' | 'subprotocols' | 'insecure' | 'ca'>): Pick<ProbeSettings, 'headers' | 'subprotocols' | 'tls'> {
  return {
    headers: c.origin === undefined ? c.headers : { ...c.headers, Origin: c.origin },
    subprotocols: c.subprotocols,
    tls: { insecure: c.insecure, ...(c.ca ? { ca: c.ca } : {}) },
  };
}

export async function runProbe(opts: ProbeOptions, reporter: Reporter): Promise<ProbeResult> {
  const t0 = performance.now();
  const settings: ProbeSettings = { ...opts };
  let peer: PeerInfo = {};
  let rows: Promise<CheckRow>[];
  const closing: Promise<void>[] = [];
  let refused: Verdict | undefined;
  try {
    const first = await openSession({
      target: opts.target, timeoutMs: Math.min(opts.timeoutMs, opts.maxWaitMs), headers: opts.headers,
      subprotocols: opts.subprotocols, tls: opts.tls, maxPayload: 1 << 20,
    });
    peer = { endpoint: firstHeader(first.head.headers, ENDPOINT_HEADER.toLowerCase()) };
    closing.push(first.closeGracefully(Math.min(opts.timeoutMs, opts.maxWaitMs, 500)));
    const light = new Map(opts.checks.filter((c) => !c.heavy).map((c) => [c, runCheck(c, settings, peer, t0, closing)]));
    const quick = Promise.allSettled([...light].filter(([c]) => !c.long).map(([, p]) => p));
    rows = opts.checks.map((c) => light.get(c) ?? quick.then(() => runCheck(c, settings, peer, t0, closing)));
  } catch (e) {
    if (!(e instanceof OpenError)) throw e;
    refused = e.verdict;
    rows = opts.checks.map((c) => Promise.resolve(notRun(c, e.verdict)));
  }

  const done: CheckRow[] = [];
  for (const row of rows) {
    const r = await row;
    done.push(r);
    reporter.emit(checkEvent(r, t0));
  }
  await Promise.all(closing);
  const failed = done.find((r) => r.status === 'fail');
  const v = refused ?? (failed ? failVerdict(failed, done) : undefined);
  const ms = performance.now() - t0;
  const count = (s: string) => done.filter((r) => r.status === s).length;
  reporter.emit({
    event: 'result', ok: !failed, url: opts.target.url.href, endpoint: peer.endpoint ?? null,
    checks: done.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), ms: Math.round(ms),
    ...(v ? { verdict: v } : {}),
  });
  return { ok: !failed, rows: done, ms, ...(v ? { verdict: v } : {}) };
}

/** The check that measures each cause precisely; its row beats another check's sighting of it. */
const SPECIALIST: Partial<Record<VerdictCode, string>> = {
  'message-too-big': 'max-message', 'close-unanswered': 'close-reply', 'bad-accept': 'handshake',
  'extension-broken': 'compression', 'subprotocol-mismatch': 'subprotocol', 'idle-timeout': 'idle-timeout',
};

/** The first FAIL row (or the specialist for its cause) names the verdict; the others are listed. */
function failVerdict(firstFail: CheckRow, rows: CheckRow[]): Verdict {
  const expert = firstFail.verdict && SPECIALIST[firstFail.verdict];
  const first = rows.find((r) => r.status === 'fail' && r.name === expert && r.verdict === firstFail.verdict) ?? firstFail;
  const others = rows.filter((r) => r.status === 'fail' && r !== first).map((r) => r.name);
  const evidence = [...first.evidence, ...(others.length ? [`also failing: ${others.join(', ')}`] : [])];
  return verdict(first.verdict ?? 'protocol-error', `${first.summary} (check ${first.name})`, evidence, first.next);
}

/** Resolves with the row as soon as the check is done; its connections' closing goes to `closing`. */
async function runCheck(check: Check, settings: ProbeSettings, peer: PeerInfo, t0: number, closing: Promise<void>[]): Promise<CheckRow> {
  const run = new CheckRun(settings, peer, t0);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(outcome('fail', `did not finish within --max-wait (${fmtMs(settings.maxWaitMs)}): stopped`, {
      evidence: ['every wait is bounded, so this is a bug in the check or a peer that trickles bytes'], verdict: 'half-open',
    })), run.remaining() + GRACE_MS);
  });
  let finished = false;
  try {
    const out = await Promise.race([check.run(run).then((o) => ((finished = true), o), fromError), stuck]);
    return { name: check.name, long: check.long, ...out, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
    closing.push(run.dispose(finished));
  }
}

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

function checkEvent(r: CheckRow, t0: number): Record<string, unknown> & { event: string } {
  return {
    event: 'check', t: Math.round(performance.now() - t0), name: r.name, status: r.status, value: r.value, unit: r.unit,
    closeCode: r.closeCode ?? null, summary: r.summary, evidence: r.evidence, long: r.long, ms: Math.round(r.ms),
    ...(r.verdict ? { code: r.verdict } : {}), ...r.data,
  };
}
