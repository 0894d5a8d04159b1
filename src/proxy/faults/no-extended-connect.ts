import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * The hop speaks HTTP/2 to its clients but leaves SETTINGS_ENABLE_CONNECT_PROTOCOL out of its
 * SETTINGS (RFC 8441 §3), as an h2 front without RFC 8441 support does (HAProxy with
 * `h2-workaround-bogus-websocket-clients`, a load balancer whose backend side speaks HTTP/1.1
 * only). Browsers then open the WebSocket on a separate HTTP/1.1 connection; an h2-only client fails.
 */
export const noExtendedConnect: FaultKind = {
  kind: 'no-extended-connect',
  summary: 'the hop\'s HTTP/2 SETTINGS leave out `ENABLE_CONNECT_PROTOCOL`: h2 clients cannot open a WebSocket over h2 (browsers fall back to HTTP/1.1); HTTP/1.1 upgrades still pass',
  syntax: '—',
  mimics: 'an h2 front without RFC 8441 (HAProxy `h2-workaround-bogus-websocket-clients`, an LB whose backend side speaks only HTTP/1.1)',
  create(value, params, spec) {
    new SpecReader(spec, value, params).noValue();
    return {
      kind: 'no-extended-connect',
      spec,
      editH2Settings(settings) {
        settings.enableConnectProtocol = false;
      },
    };
  },
};
