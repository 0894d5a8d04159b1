import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `strip-extensions`: remove Sec-WebSocket-Extensions from the upgrade request, so
 * permessage-deflate is never negotiated (RFC 7692 §5) — what some CDNs and older proxies do.
 * Harmless unless the application relies on compression.
 */
export const stripExtensions: FaultKind = {
  kind: 'strip-extensions',
  summary: 'removes `Sec-WebSocket-Extensions` from the request: permessage-deflate never negotiated',
  syntax: '—',
  mimics: 'CDNs / older proxies that drop extensions',
  create(value, params, spec) {
    new SpecReader(spec, value, params).noValue();
    return { kind: 'strip-extensions', spec, editUpgradeRequest: (out) => out.removeHeader('sec-websocket-extensions') };
  },
};
