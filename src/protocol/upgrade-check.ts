import type { IncomingHttpHeaders } from 'node:http';
import { headerTokens } from '../net/header.js';

export interface HeaderProblem {
  header: string;
  expected: string;
  received: string | null;
}

/**
 * RFC 6455 §4.1 / §4.2.1: what a server needs to see in an opening handshake.
 * Returns one entry per missing or wrong header; an empty list means a valid upgrade request.
 */
export function checkUpgradeRequest(method: string | undefined, headers: IncomingHttpHeaders): HeaderProblem[] {
  const problems: HeaderProblem[] = [];
  if (method !== 'GET') problems.push({ header: ':method', expected: 'GET', received: method ?? null });
  const upgrade = headers.upgrade;
  if (!headerTokens(upgrade).includes('websocket')) {
    problems.push({ header: 'Upgrade', expected: 'websocket', received: upgrade ?? null });
  }
  const connection = headers.connection;
  if (!headerTokens(connection).includes('upgrade')) {
    problems.push({ header: 'Connection', expected: 'Upgrade (token in the list)', received: connection ?? null });
  }
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) {
    problems.push({ header: 'Sec-WebSocket-Key', expected: '16 random bytes, base64', received: key ?? null });
  }
  const version = headers['sec-websocket-version'];
  if (version !== '13') problems.push({ header: 'Sec-WebSocket-Version', expected: '13', received: version ?? null });
  return problems;
}

/** The hop-by-hop pair whose loss turns an upgrade into a plain GET. */
export function hasUpgradeHeaders(headers: IncomingHttpHeaders): boolean {
  return headerTokens(headers.upgrade).includes('websocket') && headerTokens(headers.connection).includes('upgrade');
}
