/**
 * src/client/ws-internals.ts reads fields ws keeps private, and degrades to "not known" when one
 * is missing. That must never happen silently with the ws we ship: these pin each field on the
 * installed ws (a ws upgrade that renames one fails here, not as a quietly weaker diagnosis).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { ClientRequest } from 'node:http';
import { EventEmitter } from 'node:events';
import { WebSocket, WebSocketServer } from 'ws';
import { closeFrameReceived, frameReceiver, handshakeRequest } from '../src/client/ws-internals.js';

const wsVersion = (createRequire(import.meta.url)('ws/package.json') as { version: string }).version;

test(`ws ${wsVersion}: the handshake request, the frame receiver and a received close frame are where the adapter reads them`, async (t) => {
  assert.match(wsVersion, /^8\./, 'the adapter is written for ws 8');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  t.after(() => new Promise<void>((r) => wss.close(() => r())));
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  // On our message the server starts the close handshake with 4001: the client parses that frame
  // (conclude) before its TCP close, which is when the echo's close timer reads the code.
  wss.on('connection', (peer) => peer.on('message', () => peer.close(4001)));

  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  t.after(() => ws.terminate());
  assert.ok(handshakeRequest(ws) instanceof ClientRequest, '_req during the handshake');
  assert.ok(handshakeRequest(ws)!.getHeader('sec-websocket-key'), 'the key we sent');
  await new Promise((r) => ws.once('open', r));
  assert.ok(frameReceiver(ws) instanceof EventEmitter, '_receiver once open');
  assert.equal(closeFrameReceived(ws), undefined, 'no close frame yet');

  const concluded = new Promise<number>((r) => frameReceiver(ws)!.once('conclude', (code: number) => r(code)));
  ws.send('close me');
  assert.equal(await concluded, 4001, "the receiver's conclude carries the close code");
  assert.equal(closeFrameReceived(ws), 4001, "_closeFrameReceived and _closeCode after the peer's close frame");
});
