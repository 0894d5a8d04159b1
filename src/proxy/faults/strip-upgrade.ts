import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * Forwards the upgrade as a plain GET: Upgrade and Connection are hop-by-hop (RFC 9110 §7.6.1),
 * and a proxy that does not re-add them drops them — AWS classic ELB in HTTP mode, nginx without
 * `proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"`. This hop's own
 * Via still says upgrade=present (it received them); the next hop's says absent.
 */
export const stripUpgrade: FaultKind = {
  kind: 'strip-upgrade',
  summary: 'forwards the upgrade as a plain GET without `Upgrade`/`Connection`; this hop\'s Via still says `upgrade=present`, the next hop\'s `absent`',
  syntax: '—',
  mimics: 'AWS classic ELB (HTTP listener); nginx without `proxy_set_header Upgrade`/`Connection`',
  create(value, params, spec) {
    new SpecReader(spec, value, params).noValue();
    return {
      kind: 'strip-upgrade',
      spec,
      editUpgradeRequest(out) {
        out.removeHeader('upgrade');
        // nginx's default for proxied requests; Node would otherwise write keep-alive.
        out.setHeader('connection', 'close');
      },
    };
  },
};
