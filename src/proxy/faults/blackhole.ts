import type { FaultKind } from './fault.js';
import { Gate } from './gate.js';
import { SpecReader } from './params.js';

/**
 * `blackhole=DURATION`: relay normally until the tunnel is DURATION old, then relay nothing in
 * either direction while both TCP connections stay open — a NAT or stateful firewall that
 * forgot the flow, a silent half-open path. Only an application ping with a deadline notices.
 */
export const blackhole: FaultKind = {
  kind: 'blackhole',
  summary: 'after that tunnel age relays nothing either way, both TCP connections stay open',
  syntax: '`=DURATION` (default `0`: at once)',
  mimics: 'NAT / stateful firewall that forgot the flow (half-open)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const ms = value === undefined ? 0 : r.duration(value, 'delay before the black hole', 0);
    return {
      kind: 'blackhole',
      spec,
      onTunnel(tunnel, ctx) {
        const gates = [new Gate(), new Gate()];
        tunnel.addStage('up', gates[0]!);
        tunnel.addStage('down', gates[1]!);
        const shut = () => {
          ctx.log.info({ fault: spec }, 'black hole: relaying nothing from now on');
          for (const g of gates) g.shut();
        };
        if (ms === 0) return shut();
        const timer = setTimeout(shut, ms);
        tunnel.once('closed', () => clearTimeout(timer));
      },
    };
  },
};
