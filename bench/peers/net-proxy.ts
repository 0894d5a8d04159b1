// The Node floor for a hop: the smallest TCP proxy Node allows. No HTTP parsing (the client's
// upgrade request and the 101 pass through as bytes), one upstream connection per client, the
// two sockets piped both ways, Nagle off on both. Whatever wstrace's proxy costs above this in
// memory per tunnel or in added RTT is ours; what this costs is Node's.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

const upstreamPort = Number(process.argv[2]);
if (!Number.isInteger(upstreamPort) || upstreamPort <= 0) {
  process.stderr.write('usage: net-proxy.js UPSTREAM_PORT\n');
  process.exit(2);
}
const sockets = new Set<net.Socket>();
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort, noDelay: true });
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('error', () => s.destroy());
    s.on('close', () => (sockets.delete(s), client.destroy(), upstream.destroy()));
  }
  client.pipe(upstream).pipe(client);
});
server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(JSON.stringify({ event: 'listening', port: (server.address() as AddressInfo).port })));
process.once('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close();
});
