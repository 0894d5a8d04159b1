import type { RawData, WebSocket } from 'ws';
import type { WaitResult } from './exchange.js';

/**
 * Sends a ping and waits at most `timeoutMs` for its pong. RFC 6455 §5.5.2: an endpoint that
 * receives a ping MUST answer with a pong, so this proves an open connection alive whatever
 * the application on the far end does with messages; a pong that never comes, on a connection
 * that never closes, is the one honest sign of a half-open flow.
 */
export function pingPong(ws: WebSocket, timeoutMs: number): Promise<WaitResult<null>> {
  const t0 = performance.now();
  const payload = Buffer.from(`wstrace-ping-${Math.floor(Math.random() * 1e9).toString(36)}`);
  return new Promise((resolve) => {
    if (ws.readyState !== ws.OPEN) {
      resolve({ kind: 'closed', code: 1006, reason: 'the connection was already closed', ms: 0 });
      return;
    }
    const done = (r: WaitResult<null>) => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      ws.off('error', onError);
      resolve(r);
    };
    // An unsolicited pong (§5.5.3) or one for someone else's ping is not ours.
    const onPong = (data: Buffer) => {
      if (data.equals(payload)) done({ kind: 'value', value: null, ms: performance.now() - t0 });
    };
    const onClose = (code: number, reason: Buffer) => done({ kind: 'closed', code, reason: reason.toString(), ms: performance.now() - t0 });
    const onError = (error: Error) => done({ kind: 'error', error, ms: performance.now() - t0 });
    const timer = setTimeout(() => done({ kind: 'timeout', ms: performance.now() - t0 }), timeoutMs);
    ws.on('pong', onPong);
    ws.on('close', onClose);
    ws.on('error', onError);
    ws.ping(payload);
  });
}

export interface Received {
  data: Buffer;
  binary: boolean;
}

/** Calls `on` for every message until the returned function is called. */
export function listenAll(ws: WebSocket, on: (m: Received) => void): () => void {
  const onMessage = (data: RawData, binary: boolean) => on({ data: toBuffer(data), binary });
  ws.on('message', onMessage);
  return () => ws.off('message', onMessage);
}

const PREVIEW_CHARS = 80;
const HEX_HEAD_BYTES = 16;

/** What a human needs to recognise a message: a text preview, or a binary size and hex head. */
export function preview(m: Received): { text?: string; hex?: string } {
  if (!m.binary) {
    const text = m.data.toString('utf8');
    return { text: text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text };
  }
  const head = m.data.subarray(0, HEX_HEAD_BYTES).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return { hex: m.data.length > HEX_HEAD_BYTES ? `${head} …` : head };
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
