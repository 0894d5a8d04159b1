// Where a proxied request goes. A --target with a path is the upstream URL as written (the
// client's query string appended): `--target ws://app:9000/socket` sends every upgrade to
// /socket. A --target without a path (or `/`) is a base: the client's path is kept. Targets on
// a unix socket (ws+unix:/run/app.sock:/path) follow the same rule.
import type { WsTarget } from '../net/url.js';
import { displayUrl } from '../net/url.js';

/** What http-proxy takes as `target` (node:http request options), with `ignorePath: true`. */
export interface UpstreamRequest {
  protocol: 'http:' | 'https:';
  host: string;
  hostname: string;
  port: number;
  socketPath?: string;
  path: string;
}

export interface Upstream {
  /** As shown in logs, errors and the listening line. */
  label: string;
  /** The upstream request for a client request-target (`/path?query`). */
  request(clientUrl: string): UpstreamRequest;
}

export function upstreamOf(target: WsTarget): Upstream {
  const fixed = target.url.pathname !== '/' && target.url.pathname !== '';
  const base = {
    protocol: target.secure ? ('https:' as const) : ('http:' as const),
    host: target.host,
    hostname: target.host,
    port: target.port,
    ...(target.socketPath ? { socketPath: target.socketPath } : {}),
  };
  return {
    label: fixed ? displayUrl(target) : displayUrl(target).replace(/\/$/, ''),
    request(clientUrl: string): UpstreamRequest {
      if (!fixed) return { ...base, path: clientUrl || '/' };
      const q = clientUrl.indexOf('?');
      const clientQuery = q >= 0 ? clientUrl.slice(q + 1) : '';
      const own = target.url.search.slice(1);
      const query = [own, clientQuery].filter(Boolean).join('&');
      return { ...base, path: `${target.url.pathname}${query ? `?${query}` : ''}` };
    },
  };
}

/** The listening line's arrow side: a base target takes the client's path, shown as `/…`. */
export function describeUpstream(target: WsTarget): string {
  const fixed = target.url.pathname !== '/' && target.url.pathname !== '';
  return fixed ? displayUrl(target) : `${displayUrl(target).replace(/\/$/, '')}/… (the client's path)`;
}
