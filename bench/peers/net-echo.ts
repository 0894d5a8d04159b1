// The floor: a plain TCP echo in Node (no HTTP, no WebSocket framing), for raw ping-pong RTT.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const sockets = new Set<net.Socket>();
const server = net.createServer({ noDelay: true }, (socket) => {
  sockets.add(socket);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => sockets.delete(socket));
  socket.pipe(socket);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(JSON.stringify({ event: 'listening', port: (server.address() as AddressInfo).port })));
process.once('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close();
});
