import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server } from 'node:net';
import { SHUTDOWN_GRACE_MS } from '../constants.js';

/** One end of a TCP connection, as every event that names one writes it (null for a unix socket). */
export interface SocketAddress {
  address: string | null;
  port: number | null;
  family: string | null;
}

export function remoteEnd(socket: Socket): SocketAddress {
  return { address: socket.remoteAddress ?? null, port: socket.remotePort ?? null, family: socket.remoteFamily ?? null };
}

export function localEnd(socket: Socket): SocketAddress {
  return { address: socket.localAddress ?? null, port: socket.localPort ?? null, family: socket.localFamily ?? null };
}

/**
 * Owns every socket a server accepted, so stopping the server can end them all:
 * `server.close()` alone waits for open connections forever.
 */
export class SocketSet {
  private readonly sockets = new Set<Duplex>();

  add(socket: Duplex): void {
    if (this.sockets.has(socket)) return;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  get size(): number {
    return this.sockets.size;
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  /** Track every connection a server accepts. */
  track(server: Server): this {
    server.on('connection', (socket: Socket) => this.add(socket));
    return this;
  }
}

/** Stops accepting, gives open sockets a moment, then destroys what is left. Never waits forever. */
export function stopServer(server: Server, sockets: SocketSet, graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      sockets.destroyAll();
      resolve();
      return;
    }
    const timer = setTimeout(() => sockets.destroyAll(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    if (sockets.size === 0) clearTimeout(timer);
    // Idle keep-alive sockets would hold close() for their whole keep-alive period.
    if ('closeIdleConnections' in server && typeof server.closeIdleConnections === 'function') server.closeIdleConnections();
  });
}
