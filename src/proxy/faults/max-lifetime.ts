import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `max-lifetime=DURATION`: cut the tunnel at that age however busy it is — the Google Cloud
 * load balancer's backend service timeout (30 s by default) applies to WebSocket connections too.
 */
export const maxLifetime: FaultKind = {
  kind: 'max-lifetime',
  summary: 'destroys the tunnel at that age, traffic or not',
  syntax: '`=DURATION`',
  mimics: 'Google Cloud LB backend service timeout (30 s)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const ms = r.duration(r.required('a duration such as 30s'), 'lifetime');
    return {
      kind: 'max-lifetime',
      spec,
      onTunnel(tunnel, ctx) {
        const timer = setTimeout(() => {
          ctx.log.info({ fault: spec }, `tunnel is ${ms} ms old: cutting it`);
          tunnel.destroy(`max-lifetime: cut at ${ms} ms`);
        }, ms);
        tunnel.once('closed', () => clearTimeout(timer));
      },
    };
  },
};
