/**
 * HTTP/2 servers that get RFC 8441 wrong in one way each, built on node:http2 (the same nghttp2
 * that nghttpx uses), so a test controls the SETTINGS, the :status and the RST_STREAM code. Each
 * tracks its sessions and destroys them on close, so nothing a test opened outlives it.
 */
import { createServer as createH2, constants, type Http2Server, type Http2SecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { createServer as createHttps } from 'node:https';
import { createServer as createHttp } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:net';
import { REPO_ROOT } from './cli.js';

export const TLS_CERT = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-cert.pem');
export const TLS_KEY = path.join(REPO_ROOT, 'fixtures', 'tls', 'localhost-key.pem');

export interface H2Peer {
  url: string;
  port: number;
  /** CONNECT requests seen: `:protocol` of each. */
  connects: string[];
  close(): Promise<void>;
}

export type H2Behaviour =
  /** h2c that does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL. */
  | 'no-extended-connect'
  /** Advertises it, then resets every CONNECT stream with REFUSED_STREAM. */
  | 'reset'
  /** Advertises it, answers every CONNECT with 403 and a body. */
  | 'status-403'
  /** Only h2c, no HTTP/1.1 (what a gRPC port or nghttpx's h2c frontend is). */
  | 'h2-only';

export async function startH2Peer(behaviour: H2Behaviour): Promise<H2Peer> {
  const server: Http2Server = createH2({ settings: { enableConnectProtocol: behaviour !== 'no-extended-connect' && behaviour !== 'h2-only' } });
  const connects: string[] = [];
  server.on('stream', (stream: ServerHttp2Stream, headers) => {
    stream.on('error', () => {});
    if (headers[':method'] === 'CONNECT') connects.push(String(headers[':protocol'] ?? ''));
    if (behaviour === 'reset') return stream.close(constants.NGHTTP2_REFUSED_STREAM);
    if (behaviour === 'status-403') {
      stream.respond({ ':status': 403, server: 'h2-peer', 'content-type': 'text/plain' });
      return stream.end('no websockets for you\n');
    }
    stream.respond({ ':status': 404 });
    stream.end();
  });
  return listenTracked(server, (port) => `ws://127.0.0.1:${port}/echo`, connects);
}

/** A TLS server whose ALPN offers only http/1.1 (an HTTP/1.1-only terminator). */
export async function startH1OnlyTls(): Promise<H2Peer> {
  const server = createHttps({ cert: readFileSync(TLS_CERT), key: readFileSync(TLS_KEY), ALPNProtocols: ['http/1.1'] }, (_req, res) => res.writeHead(426).end());
  return listenTracked(server, (port) => `wss://localhost:${port}/echo`, []);
}

/** A cleartext HTTP/1.1-only server (nginx, a Node app): it answers the h2c preface with a 400. */
export async function startH1OnlyPlain(): Promise<H2Peer> {
  const server = createHttp((_req, res) => res.writeHead(426).end());
  return listenTracked(server, (port) => `ws://127.0.0.1:${port}/echo`, []);
}

async function listenTracked(server: Server | Http2Server | Http2SecureServer, url: (port: number) => string, connects: string[]): Promise<H2Peer> {
  const sessions = new Set<Http2Session>();
  const sockets = new Set<import('node:net').Socket>();
  server.on('session', (s: Http2Session) => {
    sessions.add(s);
    s.on('error', () => {});
    s.once('close', () => sessions.delete(s));
  });
  server.on('connection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: url(port),
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

