/**
 * Peers that misbehave on purpose, built on node:net with NO WebSocket library, so a test
 * controls every byte and every reset. Each peer tracks the sockets it accepted (and, for
 * forwarders, the ones it dialled) so a test can assert that the other side closed them all:
 * a socket still open afterwards is a descriptor the code under test leaked.
 */
import net, { type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 64 * 1024;

/** RFC 6455 §1.3, computed here on purpose rather than imported from the code under test. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

export function newKey(): string {
  return randomBytes(16).toString('base64');
}

/** Resolves a deadline-bounded wait; `what` names it in the error. */
export async function waitUntil(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!pred()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Head {
  /** The request or status line. */
  line: string;
  headers: [string, string][];
  /** Bytes that followed the blank line. */
  rest: Buffer;
  raw: string;
}

export function header(head: Head, name: string): string | undefined {
  return head.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}

/** Reads one HTTP head (up to CRLFCRLF) from `socket`, at most `ms`; rejects on close or overflow. */
export function readHead(socket: Socket, ms = 5_000): Promise<Head> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: Error | undefined, head?: Head) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      if (err) reject(err);
      else resolve(head!);
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_HEAD) done(new Error('head too large'));
        return;
      }
      const raw = buf.subarray(0, end).toString('latin1');
      const [line, ...rest] = raw.split('\r\n');
      const headers = rest.map((l): [string, string] => {
        const c = l.indexOf(':');
        return [l.slice(0, c).trim(), l.slice(c + 1).trim()];
      });
      done(undefined, { line: line!, headers, rest: buf.subarray(end + 4), raw });
    };
    const onClose = () => done(new Error('closed before a full head'));
    const timer = setTimeout(() => done(new Error(`no full head within ${ms} ms`)), ms);
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** A valid client upgrade request head. */
export function upgradeRequest(hostHeader: string, path = '/echo', extra: Record<string, string> = {}, method = 'GET'): { text: string; key: string } {
  const key = newKey();
  const lines = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${hostHeader}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  return { text: lines.join('\r\n') + '\r\n\r\n', key };
}

/** One frame, FIN set; masked as a client must (RFC 6455 §5.3) unless `mask` is false. */
/**
 * A raw client socket to 127.0.0.1:`port` that sent an upgrade and got a 101 (a WebSocket at
 * the byte level, no library): it fails if the answer is anything else. `track` sees the socket
 * as soon as it exists, so a test can destroy it even when the upgrade fails.
 */
export async function openRawUpgraded(port: number, track: (socket: Socket) => void = () => {}): Promise<Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  track(socket);
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(upgradeRequest(`127.0.0.1:${port}`).text);
  const head = await readHead(socket, 10_000);
  if (!/ 101 /.test(head.line)) throw new Error(`expected a 101, got: ${head.line}`);
  return socket;
}

export function frame(opcode: number, payload: Buffer | string, mask = true): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) head.writeUInt16BE(len, 2);
  if (ext === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  key.copy(head, 2 + ext);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i]! ^= key[i % 4]!;
  return Buffer.concat([head, body]);
}

/** A close frame payload: 2-byte code plus reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
}

/**
 * A TCP server that hands each accepted socket to `onSocket` and keeps count. `open` is how
 * many accepted sockets are not yet closed; `close()` destroys whatever is left.
 */
export class PeerServer {
  readonly sockets = new Set<Socket>();
  accepted = 0;
  port = 0;
  private readonly server: net.Server;

  constructor(onSocket: (socket: Socket, peer: PeerServer) => void) {
    this.server = net.createServer({ allowHalfOpen: true }, (socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.once('close', () => this.sockets.delete(socket));
      onSocket(socket, this);
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  get open(): number {
    return this.sockets.size;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Waits until every accepted socket has closed (the peer on the other side let go). */
  waitAllClosed(ms: number): Promise<void> {
    return waitUntil(() => this.sockets.size === 0, ms, `${this.sockets.size} socket(s) on port ${this.port} to close`);
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Accepts TCP and never answers: a hop that mishandles its deadlines (zrok/ziti sdk-golang #356). */
export function hangingServer(): Promise<PeerServer & { requests: string[] }> {
  const requests: string[] = [];
  const peer = new PeerServer((socket) => {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => requests.push(d));
    // Half-open from the other side must not keep it: when they end, we end.
    socket.on('end', () => socket.end());
  });
  return Object.assign(peer, { requests }).listen() as Promise<PeerServer & { requests: string[] }>;
}

/** Reads the upgrade, then answers 101 with an accept key for a different key (a rewriting middlebox). */
export function wrongAcceptServer(): Promise<PeerServer & { sent: { key: string; wrongAccept: string }[] }> {
  const sent: { key: string; wrongAccept: string }[] = [];
  const peer = new PeerServer((socket) => {
    readHead(socket).then((head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      const wrongAccept = acceptFor(newKey());
      sent.push({ key, wrongAccept });
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wrongAccept}\r\nServer: rewriting-box\r\n\r\n`);
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  });
  return Object.assign(peer, { sent }).listen() as Promise<PeerServer & { sent: { key: string; wrongAccept: string }[] }>;
}

/** A valid 101, then reads everything and never writes again: no pong, no close (a flow black-holed after the upgrade). */
export function deafServer(): Promise<PeerServer & { received: number }> {
  const peer = Object.assign(new PeerServer((socket) => {
    readHead(socket).then((head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      socket.on('data', (d: Buffer) => (peer.received += d.length));
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  }), { received: 0 });
  return peer.listen();
}

/** A valid 101, then bytes that are not a WebSocket frame (reserved opcode, RSV bits, a huge length). */
export function garbageAfter101Server(garbage = Buffer.from([0xff, 0xff, 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03])): Promise<PeerServer> {
  const peer = new PeerServer((socket) => {
    readHead(socket).then((head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      socket.write(garbage);
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  });
  return peer.listen();
}

export type ServerResetPhase = 'accept' | 'head' | 'after-101' | 'mid-frame';

/** Resets (RST, not FIN) each connection at `phase`: a crashing upstream or a middlebox killing flows. */
export function resettingServer(phase: ServerResetPhase): Promise<PeerServer> {
  const peer = new PeerServer((socket) => {
    if (phase === 'accept') return void socket.resetAndDestroy();
    readHead(socket).then((head) => {
      if (phase === 'head') return void socket.resetAndDestroy();
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      if (phase === 'mid-frame') socket.write(frame(0x1, 'half of this frame never arrives', false).subarray(0, 12));
      setTimeout(() => socket.resetAndDestroy(), 20);
    }, () => socket.destroy());
  });
  return peer.listen();
}

/** The forwarders' upstream leg: tracked in `upstreams` while open; either side closing closes the other. */
function dialUpstream(client: Socket, targetPort: number, upstreams: Set<Socket>): Socket {
  const up = net.connect({ host: '127.0.0.1', port: targetPort });
  upstreams.add(up);
  up.on('error', () => client.destroy());
  up.once('close', () => {
    upstreams.delete(up);
    client.destroy();
  });
  client.once('close', () => up.destroy());
  return up;
}

/**
 * A forwarder (HTTP/1.1 head aware, no WebSocket library) in front of `targetPort` that drops
 * the hop-by-hop Upgrade and Connection headers and adds no Via: classic ELB, or nginx without
 * `proxy_set_header Upgrade/Connection`. Everything after the head is piped both ways.
 */
export function stripForwarder(targetPort: number): Promise<PeerServer & { upstreams: Set<Socket>; forwarded: string[] }> {
  const upstreams = new Set<Socket>();
  const forwarded: string[] = [];
  const peer = new PeerServer((client) => {
    readHead(client).then((head) => {
      const kept = head.headers.filter(([k]) => !/^(upgrade|connection)$/i.test(k));
      const text = [head.line, ...kept.map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
      forwarded.push(text);
      const up = dialUpstream(client, targetPort, upstreams);
      up.write(text);
      if (head.rest.length) up.write(head.rest);
      client.pipe(up);
      up.pipe(client);
    }, () => client.destroy());
  });
  return Object.assign(peer, { upstreams, forwarded }).listen() as Promise<PeerServer & { upstreams: Set<Socket>; forwarded: string[] }>;
}

export type ForwarderResetPhase = 'accept' | 'after-head' | 'after-101' | 'mid-stream';

/**
 * A transparent TCP forwarder to `targetPort` that resets (RST both ways) the connections it is
 * told to, at a chosen phase: an upstream that dies at any moment. `plan()` decides per
 * connection (undefined: forward faithfully). `open` counts both the accepted and dialled sockets.
 */
export function flakyForwarder(targetPort: number, plan: (n: number) => ForwarderResetPhase | undefined): Promise<PeerServer & { upstreams: Set<Socket>; resets: number }> {
  const upstreams = new Set<Socket>();
  const state = { resets: 0 };
  const peer = new PeerServer((client, self) => {
    const phase = plan(self.accepted);
    const kill = () => {
      state.resets++;
      if (!client.destroyed) client.resetAndDestroy();
      if (!up.destroyed) up.resetAndDestroy();
    };
    if (phase === 'accept') {
      state.resets++;
      client.resetAndDestroy();
      return;
    }
    const up = dialUpstream(client, targetPort, upstreams);
    let toUpstream = 0;
    let toClient = 0;
    client.on('data', (d: Buffer) => {
      toUpstream += d.length;
      if (up.writable) up.write(d);
      if (phase === 'after-head' && toUpstream > 0) setImmediate(kill);
    });
    client.on('end', () => up.end());
    up.on('data', (d: Buffer) => {
      const first = toClient === 0;
      toClient += d.length;
      if (phase === 'after-101' && first) {
        client.write(d, () => setImmediate(kill));
        return;
      }
      if (phase === 'mid-stream' && !first) {
        // Pass half of the first post-101 chunk, then die inside it.
        client.write(d.subarray(0, Math.max(1, d.length >> 1)), () => setImmediate(kill));
        return;
      }
      if (client.writable) client.write(d);
    });
    up.on('end', () => client.end());
  });
  const out = Object.assign(peer, { upstreams });
  Object.defineProperty(out, 'resets', { get: () => state.resets });
  return out.listen() as Promise<PeerServer & { upstreams: Set<Socket>; resets: number }>;
}

/** A raw TCP client: connect with a deadline; errors are recorded, never thrown. */
export function rawConnect(port: number, opts: { allowHalfOpen?: boolean } = {}, ms = 5_000): Promise<Socket & { errors: Error[] }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, allowHalfOpen: opts.allowHalfOpen ?? false }) as Socket & { errors: Error[] };
    s.errors = [];
    s.on('error', (e) => s.errors.push(e));
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${port} took over ${ms} ms`));
    }, ms);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`connect to ${port} failed: ${s.errors[0]?.message ?? 'closed'}`));
    });
  });
}

/** Collects everything `socket` receives until it closes or `ms` passes. */
export function readAll(socket: Socket, ms = 5_000): Promise<{ data: Buffer; closed: boolean; ended: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let ended = false;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({ data: Buffer.concat(chunks), closed, ended });
    };
    const onData = (d: Buffer) => chunks.push(d);
    const timer = setTimeout(() => finish(false), ms);
    socket.on('data', onData);
    socket.once('end', () => (ended = true));
    socket.once('close', () => finish(true));
  });
}
