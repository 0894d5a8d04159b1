/**
 * What a client phase learned (resolve, connect, proxy, tls, settings, redirect, upgrade, open,
 * close): the fields of the `phase` event besides its name and times (src/events.ts). Low in the
 * layering: the code that runs the phases fills it in.
 */
import type { Expect } from '../connection.js';
import type { SocketAddress } from '../net/sockets.js';

/** What a phase learned, per phase (see docs/json.md); every field optional so one shape serves all phases. */
export interface PhaseDetail {
  // resolve
  host?: string;
  address?: string;
  family?: string;
  by?: string;
  connectTo?: string;
  // connect: both ends (null over a unix socket, which has `path`); through a forward proxy,
  // resolve and connect are the proxy's and add proxy and source
  peer?: SocketAddress | null;
  local?: SocketAddress | null;
  path?: string;
  proxy?: string;
  source?: string;
  // proxy
  scheme?: string;
  request?: string;
  status?: number | null;
  tls?: string;
  // tls
  protocol?: string | null;
  cipher?: string | undefined;
  subject?: string | null;
  issuer?: string | null;
  authorized?: boolean;
  alpn?: string | null;
  servername?: string;
  clientCert?: boolean;
  // settings (HTTP/2)
  http?: string | null;
  enableConnectProtocol?: boolean;
  maxConcurrentStreams?: number | null;
  initialWindowSize?: number | null;
  maxFrameSize?: number | null;
  headerTableSize?: number | null;
  // redirect
  from?: string;
  location?: string;
  to?: string;
  // upgrade
  statusText?: string;
  endpoint?: string | null;
  headers?: [string, string][];
  // open
  subprotocol?: string | null;
  extensions?: string | null;
  expect?: Expect | null;
  expectWhy?: string;
  // close
  code?: number;
  reason?: string;
  answered?: boolean;
  skipped?: boolean;
}
