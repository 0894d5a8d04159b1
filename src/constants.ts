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
