import type { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { InputError, errnoOf, messageOf } from '../errors.js';
import { formatHostPort } from './url.js';

/** Listens and resolves with the bound port; turns EADDRINUSE/EACCES into a one-line input error. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      const errno = errnoOf(err);
      const where = formatHostPort(host, port);
      if (errno === 'EADDRINUSE') reject(new InputError('ERR_PORT_IN_USE', `port ${port} on ${host} is in use (try --port 0)`));
      else if (errno === 'EACCES') reject(new InputError('ERR_PORT_DENIED', `no permission to listen on ${where}`));
      else if (errno === 'EADDRNOTAVAIL' || errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') reject(new InputError('ERR_BAD_HOST', `bad --host ${JSON.stringify(host)}: cannot listen on ${where}, no such local address`));
      else reject(new InputError('ERR_LISTEN', `cannot listen on ${where}: ${messageOf(err)}`));
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/**
 * Every wait of an HTTP server bounded by our --timeout, not Node's defaults (headers 60 s,
 * request 300 s, keep-alive 5 s, all checked only every 30 s): a slowloris head, a half-sent
 * body and an idle keep-alive connection are each dropped `timeoutMs` after they started
 * (Node answers 408). Upgraded sockets are no longer requests: these never touch a tunnel.
 */
export function ownRequestDeadlines(server: HttpServer, timeoutMs: number): void {
  server.headersTimeout = timeoutMs;
  server.requestTimeout = timeoutMs;
  server.keepAliveTimeout = timeoutMs;
  // Read when the server starts listening; the expiry above is checked only this often.
  // (an http.Server field its types only know as a constructor option)
  Object.assign(server, { connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.round(timeoutMs / 4))) });
}

/** A listen address from the command line: an IP literal or a name, no spaces or control characters. */
export function parseHost(text: string, what = '--host'): string {
  if (!/^[\w.:%-]+$/.test(text)) throw new InputError('ERR_BAD_HOST', `bad ${what} ${JSON.stringify(text)}: expected an address such as 127.0.0.1, ::1 or localhost`);
  return text;
}

/** `--listen unix:PATH`: the socket file to listen on, instead of --host/--port. */
export function parseListen(text: string): string {
  const m = /^unix:(.+)$/.exec(text);
  if (!m || !m[1]!.trim()) throw new InputError('ERR_BAD_LISTEN', `bad --listen "${text}": expected unix:PATH (for TCP use --host and --port)`);
  return m[1]!;
}

/**
 * Listens on a unix socket. The file gets the user's umask, like any file the process creates,
 * and Node removes it when the server closes (our SIGINT/SIGTERM path). An existing file is
 * refused, not replaced: it may be another server's.
 */
export function listenUnix(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      const errno = errnoOf(err);
      if (errno === 'EADDRINUSE') reject(new InputError('ERR_PORT_IN_USE', `cannot listen on unix:${path}: the file exists (another server, or a stale socket: remove it)`));
      else if (errno === 'EACCES') reject(new InputError('ERR_PORT_DENIED', `no permission to create unix:${path}`));
      else reject(new InputError('ERR_LISTEN', `cannot listen on unix:${path}: ${messageOf(err)}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ path, exclusive: true });
  });
}
