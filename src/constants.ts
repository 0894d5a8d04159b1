// Every default lives here, with its unit in the name. Options document these values.

/** Per-phase deadline (resolve, connect, tls, upgrade, each echo, close). */
export const DEFAULT_TIMEOUT_MS = 5_000;
/** Largest message the endpoint accepts and the client sends, in bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** The canonical echo path; the endpoint echoes on any path. */
export const DEFAULT_ECHO_PATH = '/echo';
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_ECHO_NAME = 'echo';
export const DEFAULT_MESSAGE = 'hello from wstrace';

/** Text message the endpoint answers with its handshake report instead of an echo. */
export const INSPECT_MESSAGE = 'wstrace:inspect';
/** Text message prefix that asks the endpoint to start a close handshake: `wstrace:close[:CODE]`. */
export const CLOSE_REQUEST_PREFIX = 'wstrace:close';
/** Header on the endpoint's responses (101, 426, health) so a client knows a wstrace endpoint answered. */
export const ENDPOINT_HEADER = 'X-Wstrace-Endpoint';
/** Header on the endpoint's answers (101, 426, 400): what it received of the handshake, `<http> u=… c=…` (src/protocol/hop-trace.ts). */
export const RECEIVED_HEADER = 'X-Wstrace-Received';
/** Header a wstrace proxy puts on responses it generates itself (504, 502, 508, faults). */
export const HOP_HEADER = 'X-Wstrace-Hop';

/** How much of a non-101 response body the client keeps and prints. */
export const BODY_PREVIEW_BYTES = 4096;
/** Largest request head a raw reader accepts before giving up. */
export const MAX_HEAD_BYTES = 64 * 1024;
/** After one side of a tunnel closes, how long the other may take to flush before it is destroyed. */
export const TUNNEL_DRAIN_MS = 1_000;
/** How long a server waits for open connections when stopping before destroying them. */
export const SHUTDOWN_GRACE_MS = 500;
/** A fault stage removed from a live tunnel hands on what it holds (queued latency, a partial frame) within this, or it is dropped. */
export const LIVE_DRAIN_MS = 10_000;
/** The control API: a request body larger than this is refused (413); fault specs are short. */
export const API_MAX_BODY_BYTES = 64 * 1024;

// Defaults of the command options (commands/ shows them through durationText/sizeText), and of
// the library calls behind them: one value each, here.
export const DEFAULT_ECHO_PORT = 8080;
/** Port 0: the system picks a free one (the listening line prints it). */
export const DEFAULT_PROXY_PORT = 0;
export const DEFAULT_LOG_LEVEL = 'info';
export const DEFAULT_UPSTREAM_HTTP = '1.1';
export const DEFAULT_STRATEGY = 'all';
export const DEFAULT_REPEAT = 1;
export const DEFAULT_CLIENT_INTERVAL_MS = 0;
export const DEFAULT_WAIT_MS = 0;
export const DEFAULT_PROBE_MAX_WAIT_MS = 30_000;
export const DEFAULT_WATCH_PER_PATTERN = 1;
export const DEFAULT_WATCH_INTERVAL_MS = 1_000;
export const DEFAULT_WATCH_EVERY_MS = 10_000;
export const DEFAULT_WATCH_SUMMARY_MS = 60_000;

/** A duration as an option default shows it: `5s`, `500ms`, `0s`. */
export function durationText(ms: number): string {
  return ms !== 0 && ms % 1_000 !== 0 ? `${ms}ms` : `${ms / 1_000}s`;
}

/** A size as an option default shows it: `16M`, `64k`, or bytes. */
export function sizeText(bytes: number): string {
  if (bytes > 0 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)}M`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}k`;
  return String(bytes);
}
