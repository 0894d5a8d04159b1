import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Server as HttpServer } from 'node:http';
import type { Http2Server } from 'node:http2';
import { InputError, messageOf } from '../errors.js';
import { prefaceMatch } from '../protocol/h2.js';

export interface FrontOptions {
  /** `clientCa`: require a client certificate signed by it (mTLS), refused in the TLS handshake. */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer } | undefined;
  /** Takes HTTP/1.1 connections (never listens itself). */
  h1: HttpServer;
  /** Takes HTTP/2 connections (never listens itself). */
  h2: Http2Server;
  /** How long a cleartext connection may take to send its first 3 bytes before it is handed to h1 (whose own deadlines apply). */
  sniffMs: number;
}

/**
 * The listening socket of a server that speaks HTTP/1.1 and HTTP/2 on one port, as browsers
 * expect: over TLS the client's ALPN offer decides (RFC 7301; h2 preferred), in cleartext the
 * first bytes do (the h2 client preface, RFC 9113 §3.4, is h2c with prior knowledge; anything
 * else is HTTP/1.1). Each connection is handed to the server that speaks its protocol.
 */
export function createFront(o: FrontOptions): NetServer {
  const front = frontFor(o);
  // Node's HTTP server enforces headersTimeout/requestTimeout from a timer it starts on its own
  // 'listening' event; h1 never listens (the front does), so without this a slow head would be
  // held for ever. Closing h1 with the front stops that timer.
  front.once('listening', () => o.h1.emit('listening'));
  front.once('close', () => o.h1.close(() => {}));
  return front;
}

function frontFor(o: FrontOptions): NetServer {
  if (o.tls) {
    let server;
    try {
      // With a client CA the handshake itself refuses a missing or foreign certificate, as an
      // mTLS ingress does (nginx ssl_verify_client on): the client sees the TLS alert.
      const mtls = o.tls.clientCa ? { ca: o.tls.clientCa, requestCert: true, rejectUnauthorized: true } : {};
      server = createTlsServer({ cert: o.tls.cert, key: o.tls.key, ALPNProtocols: ['h2', 'http/1.1'], ...mtls });
    } catch (e) {
      // A PEM file that is not one (or a key that does not match) is the user's input error, not a crash.
      throw new InputError('ERR_BAD_TLS', `bad --tls-cert/--tls-key${o.tls.clientCa ? '/--tls-client-ca' : ''}: ${messageOf(e)}`);
    }
    server.on('secureConnection', (socket: TLSSocket) => (socket.alpnProtocol === 'h2' ? o.h2 : o.h1).emit('connection', socket));
    // A failed TLS handshake (a client that distrusts our certificate) concerns that client only.
    server.on('tlsClientError', (_err: Error, socket: TLSSocket) => socket.destroy());
    return server;
  }
  return createNetServer({ noDelay: true }, (socket) =>
    sniff(socket, o.sniffMs, (proto) => {
      (proto === 'h2' ? o.h2 : o.h1).emit('connection', socket);
      // http2 reads what was put back itself; the HTTP/1.1 parser takes it as 'data' once flowing.
      if (proto === 'h1') socket.resume();
    }));
}

/** Reads until the first bytes decide h1 or h2, puts them back, and hands the socket on once. */
function sniff(socket: Socket, deadlineMs: number, handOff: (proto: 'h1' | 'h2') => void): void {
  let head = Buffer.alloc(0);
  const done = (proto: 'h1' | 'h2') => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onError);
    // Kept, this listener would hold the timer and the first bytes for the connection's life.
    socket.off('close', onClose);
    socket.pause();
    if (head.length) socket.unshift(head);
    handOff(proto);
  };
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const m = prefaceMatch(head);
    if (m !== 'undecided') done(m);
  };
  const onError = () => socket.destroy();
  const timer = setTimeout(() => done('h1'), deadlineMs);
  socket.on('data', onData);
  socket.on('error', onError);
  const onClose = () => clearTimeout(timer);
  socket.once('close', onClose);
}
