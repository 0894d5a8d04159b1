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
  summary: 'do not advertise extended CONNECT (RFC 8441) to HTTP/2 clients; HTTP/1.1 upgrades still pass',
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
