import type { ClientHttp2Session } from 'node:http2';
import type { WebSocket } from 'ws';
import { dial, PhaseError } from '../client/dial.js';
import { connectStream, extendedConnect, openSession, type ExtendedConnect } from '../client/h2.js';
import { closeHandshake } from '../client/exchange.js';
import type { Verdict } from '../diagnose/catalogue.js';
import { verdict } from '../diagnose/catalogue.js';
import { diagnoseError } from '../diagnose/errors.js';
import type { H2Settings } from '../protocol/h2.js';
import { TLSSocket } from 'node:tls';
import type { ProbeStreamEvent, Reporter } from '../events.js';
import { msSince } from '../net/duration.js';
import { outcome, type CheckOutcome, type ProbeSettings } from './check.js';
import { checkEvent, failVerdict, type CheckRow } from './run.js';

/** One h2 connection of a check, with the SETTINGS it got; every WebSocket opened on it is tracked. */
export interface H2Conn {
  session: ClientHttp2Session;
  settings: H2Settings;
  /** A WebSocket as an extended CONNECT on a new stream of this connection (RFC 8441 §4). */
  open(): Promise<{ ok: true; ws: WebSocket; ms: number } | { ok: false; verdict: Verdict }>;
  /** The raw stream of an extended CONNECT answered 200, for checks that write their own frames. */
  openRaw(): Promise<{ ok: true; stream: import('node:stream').Duplex } | { ok: false; verdict: Verdict }>;
}

export class H2OpenError extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict.summary);
  }
}

/**
 * The owner of every h2 connection one check opens (TLS with ALPN h2, or h2c): `dispose()` closes
 * the WebSockets with a close handshake bounded by the deadline, then the sessions.
 */
/** A check of `probe --http 2` (src/probe/h2-checks.ts): the HTTP/2 side of a WebSocket path (RFC 8441). */
export interface H2Check {
  readonly name: string;
  run(run: H2Run): Promise<CheckOutcome>;
}

export class H2Run {
  readonly #sessions = new Set<ClientHttp2Session>();
  readonly #sockets = new Set<WebSocket>();
  readonly #streams = new Set<import('node:stream').Duplex>();
  readonly #deadline: number;

  constructor(readonly settings: ProbeSettings) {
    this.#deadline = performance.now() + settings.maxWaitMs;
  }

  remaining(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  wait(ms: number): number {
    return Math.max(1, Math.min(ms, this.remaining()));
  }

  async connect(): Promise<H2Conn> {
    const s = this.settings;
    const timeoutMs = this.wait(s.timeoutMs);
    let socket;
    try {
      socket = await dial(s.target, timeoutMs, { ...s.tls, alpn: ['h2'] }, () => {});
    } catch (e) {
      const phase = e instanceof PhaseError ? e.phase : 'connect';
      throw new H2OpenError(diagnoseError(phase, e instanceof PhaseError ? e.reason : e, s.target.url.host, timeoutMs));
    }
    if (s.target.secure && !(socket instanceof TLSSocket && socket.alpnProtocol === 'h2')) {
      socket.destroy();
      throw new H2OpenError(verdict('h2-not-offered', `${s.target.url.host} does not offer h2 in ALPN`));
    }
    const opened = await openSession(s.target, socket, timeoutMs);
    if (!opened.ok) throw new H2OpenError(opened.verdict);
    const session = opened.session;
    this.#sessions.add(session);
    session.on('error', () => {});
    const req = (): ExtendedConnect => ({
      target: s.target, session, timeoutMs: this.wait(s.timeoutMs), headers: s.headers, subprotocols: s.subprotocols,
      maxPayload: Math.max(s.maxSize, 1 << 20) + 1024, keepSession: true,
    });
    return {
      session,
      settings: opened.settings,
      open: async () => {
        const t = performance.now();
        const o = await extendedConnect(req());
        if (!o.ok) return { ok: false, verdict: o.verdict };
        this.#sockets.add(o.ws);
        return { ok: true, ws: o.ws, ms: performance.now() - t };
      },
      openRaw: async () => {
        const o = await connectStream(req());
        if (!o.ok) return { ok: false, verdict: o.verdict };
        this.#streams.add(o.stream);
        return { ok: true, stream: o.stream };
      },
    };
  }

  async dispose(): Promise<void> {
    const ms = Math.min(500, this.remaining());
    await Promise.all([...this.#sockets].map((ws) => (ws.readyState === ws.OPEN && ms > 0 ? closeHandshake(ws, ms).then(() => undefined) : ws.terminate())));
    for (const st of this.#streams) st.destroy();
    for (const s of this.#sessions) s.destroy();
    this.#streams.clear();
    this.#sockets.clear();
    this.#sessions.clear();
  }
}

/**
 * `probe --http 2`: the HTTP/2 checks (H2_CHECKS), each on its own connection(s), one after the
 * other, each bounded by --max-wait. Emits one `check` per row, then `result`, like the HTTP/1.1 run.
 */
export async function runH2Probe(settings: ProbeSettings, checks: readonly H2Check[], reporter: Reporter<ProbeStreamEvent>): Promise<{ ok: boolean; rows: CheckRow[] }> {
  const t0 = performance.now();
  const rows: CheckRow[] = [];
  for (const check of checks) {
    const run = new H2Run(settings);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(() => resolve(outcome('fail', `did not finish within --max-wait`, { verdict: 'half-open' })), run.remaining() + 250);
    });
    let out: CheckOutcome;
    try {
      out = await Promise.race([check.run(run).catch(fromError), stuck]);
    } finally {
      clearTimeout(timer);
      await run.dispose();
    }
    const row: CheckRow = { name: check.name, long: false, ...out, ms: performance.now() - started };
    rows.push(row);
    reporter.emit(checkEvent(row, t0));
  }
  const failed = rows.find((r) => r.status === 'fail');
  const v = failed ? failVerdict(rows) : undefined;
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  reporter.emit({
    event: 'result', ok: !failed, url: settings.target.url.href, http: '2', endpoint: null,
    checks: rows.length, pass: count('pass'), warn: count('warn'), fail: count('fail'), totalMs: msSince(t0),
    ...(v ? { verdict: v } : {}),
  });
  return { ok: !failed, rows };
}

function fromError(e: unknown): CheckOutcome {
  if (e instanceof H2OpenError) return outcome('fail', `could not open an h2 connection: ${e.verdict.summary}`, { evidence: e.verdict.evidence, verdict: e.verdict.code, next: e.verdict.next });
  return outcome('fail', `internal error: ${e instanceof Error ? e.message : String(e)}`);
}
