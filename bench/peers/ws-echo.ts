// The reference peer: the smallest echo server the `ws` library allows (defaults: no deflate).
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })));
wss.on('listening', () => console.log(JSON.stringify({ event: 'listening', port: (wss.address() as AddressInfo).port })));
process.once('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
});
