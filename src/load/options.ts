import type { ClientOptions } from '../client/options.js';

/** What one load run does. Library form of `wstrace client URL --concurrency C …`. */
export interface LoadOptions {
  /** Target, deadlines, headers, TLS, deflate…: as for one client. `count`/`inspect` are ignored. */
  client: ClientOptions;
  /** Connections held open at once. */
  connections: number;
  /** Total messages over all connections; undefined = until `durationMs`. */
  count?: number | undefined;
  /** Stop issuing messages this long after the message phase starts. */
  durationMs?: number | undefined;
  /** Bytes per message; undefined = the text of `message`. */
  size?: number | undefined;
  message?: string | Buffer | undefined;
  binary?: boolean;
  /** Messages in flight per connection (closed loop); with `rate`, the cap on unanswered sends. */
  pipeline?: number;
  /** Messages per second over all connections (open loop); latency is then measured from the intended send time. */
  rate?: number | undefined;
  /** Handshakes in progress at once while opening connections (a SYN storm would measure the backlog, not the path). */
  openParallel?: number;
  /** Called about once per second during the message phase. */
  onProgress?: (p: LoadProgress) => void;
  progressIntervalMs?: number;
  /** Aborting stops issuing messages; the run then drains, closes and reports as usual. */
  signal?: AbortSignal;
}

export interface LoadProgress {
  /** ms since the run started. */
  t: number;
  messages: number;
  /** Over the last interval. */
  msgsPerSec: number;
  open: number;
  errors: number;
  p50: number;
  p99: number;
}

/** When neither a count nor a duration is given, a load run lasts this long. */
export const DEFAULT_LOAD_DURATION_MS = 10_000;
/** Default in-flight cap with --rate: high enough that pacing, not the cap, sets the send times. */
export const DEFAULT_RATE_PIPELINE = 128;
export const DEFAULT_OPEN_PARALLEL = 128;
export const DEFAULT_LOAD_SIZE = 64;
export const MAX_CONNECTIONS = 100_000;
export const MAX_PIPELINE = 10_000;
