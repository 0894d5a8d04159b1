/**
 * What a held connection does while it waits to be dropped. Telling them apart is the point:
 * a hop's idle timer is reset by traffic in one direction or both, a lifetime cap by none.
 * - `silent`: nothing after the 101: the first to hit an idle timeout.
 * - `ping`: a ping every interval; the peer owes a pong (RFC 6455 §5.5.2), so traffic flows both
 *   ways, and a missing pong within --timeout is a drop (a half-open path).
 * - `pong`: an unsolicited pong every interval (allowed by RFC 6455 §5.5.3, answered by nothing):
 *   client→server traffic only. Alive where `silent` dies: the client's frames reset the timer.
 * - `message`: a text message every interval (an echo answers it; another app may not).
 */
export const PATTERNS = ['silent', 'ping', 'pong', 'message'] as const;
export type Pattern = (typeof PATTERNS)[number];

/** Patterns whose connections carry traffic: a cut at the same age in them is a lifetime cap. */
export function carriesTraffic(p: Pattern): boolean {
  return p !== 'silent';
}

/** The text the `message` pattern sends: not a wstrace endpoint command (`wstrace:…`). */
export const WATCH_MESSAGE = 'wstrace watch keepalive';
