/**
 * What the client reads from inside a `ws` WebSocket (ws 8): fields ws keeps private but that
 * carry facts no public API gives. Each is checked at run time, so a ws release that renames one
 * degrades to "not known" instead of a crash.
 */
import { ClientRequest } from 'node:http';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';

/** The opening handshake's request (`_req`, set until the 101 or the failure). */
export function handshakeRequest(ws: WebSocket): ClientRequest | undefined {
  const req = '_req' in ws ? ws._req : undefined;
  return req instanceof ClientRequest ? req : undefined;
}

/** ws's frame parser (`_receiver`): it emits `conclude` when it parses a close frame. */
export function frameReceiver(ws: WebSocket): EventEmitter | undefined {
  const receiver = '_receiver' in ws ? ws._receiver : undefined;
  return receiver instanceof EventEmitter ? receiver : undefined;
}

/**
 * The close code of a close frame ws parsed (`_closeFrameReceived`, `_closeCode`) while it still
 * waits for the TCP close: undefined when none came. null: one came, with no code.
 */
export function closeFrameReceived(ws: WebSocket): number | null | undefined {
  if (!('_closeFrameReceived' in ws) || ws._closeFrameReceived !== true) return undefined;
  const code = '_closeCode' in ws ? ws._closeCode : undefined;
  return typeof code === 'number' ? code : null;
}
