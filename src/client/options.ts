import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MESSAGE, DEFAULT_TIMEOUT_MS } from '../constants.js';
import type { Connection } from '../connection.js';
import type { WsTarget } from '../net/url.js';

/** One client run: the shared connection settings (src/connection.ts) plus the client's own. */
export interface ClientOptions extends Partial<Connection> {
  target: WsTarget;
  /** Per-phase deadline, ms. */
  timeoutMs?: number;
  /** Messages to send (echo round trips with expect echo); 0 = handshake and close only. */
  count?: number;
  intervalMs?: number;
  /** Ask a wstrace endpoint for the handshake it received. */
  inspect?: boolean;
  maxPayload?: number;
  /** Show Authorization, Cookie and Proxy-Authorization values in inspect reports (default: masked). */
  showSecrets?: boolean;
}

type Optional = 'size' | 'origin' | 'ca' | 'expect';
export type ResolvedClientOptions = Required<Omit<ClientOptions, Optional>> & Pick<ClientOptions, Optional>;

export function resolveClientOptions(o: ClientOptions): ResolvedClientOptions {
  return {
    target: o.target,
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    message: o.message ?? DEFAULT_MESSAGE,
    count: o.count ?? 1,
    intervalMs: o.intervalMs ?? 0,
    size: o.size,
    binary: o.binary ?? false,
    headers: o.headers ?? {},
    subprotocols: o.subprotocols ?? [],
    origin: o.origin,
    expect: o.expect,
    waitMs: o.waitMs ?? 0,
    inspect: o.inspect ?? false,
    insecure: o.insecure ?? false,
    ca: o.ca,
    maxPayload: o.maxPayload ?? DEFAULT_MAX_PAYLOAD_BYTES,
    showSecrets: o.showSecrets ?? false,
    deflate: o.deflate ?? true,
    http: o.http ?? '1.1',
    reach: o.reach ?? {},
    redirects: o.redirects ?? 0,
  };
}
