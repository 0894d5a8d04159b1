import { WstraceError } from '../errors.js';
import type { CheckContext, OpenOptions, PeerInfo, ProbeSettings } from './check.js';
import { openSession } from './open.js';
import type { Session } from './session.js';

/** How long a healthy connection's close handshake may take when a check is done with it. */
const GRACEFUL_CLOSE_MS = 500;
/** How far past --max-wait a peer's announced bound may move a check's deadline. */
const MAX_EXTENSION_MS = 60_000;

/**
 * One check's run: the owner of every session the check opens and of its deadline. `dispose()`
 * is the one cleanup point; after it no new session may open, so a check the runner gave up
 * on cannot leave a socket behind.
 */
export class CheckRun implements CheckContext {
  readonly #sessions = new Set<Session>();
  #deadline: number;
  readonly #limit: number;
  #disposed = false;

  constructor(readonly settings: ProbeSettings, readonly peer: PeerInfo, readonly startedAt = performance.now()) {
    this.#deadline = startedAt + settings.maxWaitMs;
    this.#limit = this.#deadline + Math.max(settings.maxWaitMs, MAX_EXTENSION_MS);
  }

  extendTo(at: number): void {
    this.#deadline = Math.max(this.#deadline, Math.min(at, this.#limit));
  }

  async open(opts: OpenOptions = {}): Promise<Session> {
    this.#assertLive();
    const s = this.settings;
    const session = await openSession({
      target: s.target,
      timeoutMs: Math.max(1, Math.min(s.timeoutMs, this.remaining())),
      headers: s.headers,
      subprotocols: opts.subprotocols ?? s.subprotocols,
      tls: s.tls,
      ...(s.reach ? { reach: s.reach } : {}),
      maxPayload: Math.max(s.maxSize, 1 << 20) + 1024,
      ...(opts.connection ? { connection: opts.connection } : {}),
      ...(opts.deflate ? { deflate: true } : {}),
    });
    if (this.#disposed) {
      session.destroy();
      this.#assertLive();
    }
    this.#sessions.add(session);
    return session;
  }

  remaining(): number {
    return Math.max(0, this.#deadline - performance.now());
  }

  wait(ms: number): number {
    return Math.min(ms, this.remaining());
  }

  /**
   * Ends every session. With `graceful`, a connection that is still healthy gets a close
   * handshake first (so servers log a normal 1000, not a reset), bounded by GRACEFUL_CLOSE_MS
   * and by this run's deadline; everything else is destroyed at once.
   */
  dispose(graceful = false): Promise<void> {
    this.#disposed = true;
    const ms = Math.min(GRACEFUL_CLOSE_MS, this.remaining());
    const closing: Promise<void>[] = [];
    for (const s of this.#sessions) {
      const healthy = !s.closed && s.peerEndAt === undefined && !s.closeFrame && s.closeSentAt === undefined && s.invalid === undefined;
      if (graceful && healthy && ms > 0) closing.push(s.closeGracefully(ms));
      else s.destroy();
    }
    this.#sessions.clear();
    return Promise.all(closing).then(() => {});
  }

  #assertLive(): void {
    if (this.#disposed) throw new WstraceError('ERR_CHECK_STOPPED', 'the check was stopped at --max-wait');
  }
}
