import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `drain=PERIOD`: every PERIOD (counted from the proxy's start), destroy every open tunnel at
 * the same instant, whatever its age or traffic — what a service mesh or ingress does to its
 * WebSocket connections on each configuration push or rolling restart. Unlike `max-lifetime`,
 * connections opened at different times die together.
 */
export const drain: FaultKind = {
  kind: 'drain',
  summary: 'every PERIOD, destroys every open tunnel at the same instant, whatever its age',
  syntax: '`=DURATION`',
  mimics: 'a mesh or ingress draining connections on each config push or rolling restart',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const period = r.duration(r.required('a period such as 5m'), 'drain period');
    const epoch = performance.now();
    return {
      kind: 'drain',
      spec,
      onTunnel(tunnel, ctx) {
        const due = period - ((performance.now() - epoch) % period);
        const timer = setTimeout(() => {
          ctx.log.info({ fault: spec }, `drain every ${period} ms: cutting the tunnel`);
          tunnel.destroy(`drain: every ${period} ms`);
        }, due);
        tunnel.once('closed', () => clearTimeout(timer));
      },
    };
  },
};
