import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

export interface StreamWsOptions {
  /** 'client' masks what it sends (RFC 6455 §5.3) and expects unmasked frames; 'server' the reverse. */
  role: 'client' | 'server';
  maxPayload: number;
  /** The subprotocol the handshake settled on ('' for none), reported as `ws.protocol`. */
  protocol?: string;
}

/**
 * A ws WebSocket on an already-open byte stream: over HTTP/2 (RFC 8441 §5) the stream of an
 * extended CONNECT carries RFC 6455 frames exactly as the TCP connection does after a 101, so
 * the echo, inspect and close code written for HTTP/1.1 runs unchanged on top of it.
 *
 * ws builds its server-side sockets this way (`new WebSocket(null)` + `setSocket`); the two fields
 * set below are ws's own (8.x) and this is the only module that touches them. permessage-deflate is
 * not negotiated here: ws keeps that machinery internal, so both ends of an h2 stream speak plain frames.
 */
export function wsOverStream(stream: Duplex, o: StreamWsOptions): WebSocket {
  // closeTimeout: ws's own default (30 s); without it ws destroys the stream 1 ms after a close
  // frame. Our callers keep their shorter deadlines on top (closeHandshake, the echo's close timer).
  const ws = new WebSocket(null as unknown as string, undefined, { autoPong: true, closeTimeout: 30_000 } as never);
  Object.assign(ws, { _isServer: o.role === 'server', _protocol: o.protocol ?? '' });
  if (!('setSocket' in ws) || typeof ws.setSocket !== 'function') throw new TypeError('this ws has no setSocket(): wstrace needs ws 8');
  ws.setSocket(stream, Buffer.alloc(0), {
    allowSynchronousEvents: true,
    maxPayload: o.maxPayload,
    skipUTF8Validation: false,
  });
  return ws;
}
