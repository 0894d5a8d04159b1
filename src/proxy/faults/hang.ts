import type { FaultKind } from './fault.js';
import { Gate } from './gate.js';
import { SpecReader } from './params.js';

/**
 * `hang`: accept the request, never answer, never close — the zrok / openziti sdk-golang bug
 * where a hijacked connection lost its deadlines (openziti/sdk-golang#356), or a TLS terminator
 * whose backend is dead. The client's socket is held until it leaves or the proxy stops.
 * `hang=after-101`: forward the 101, then relay nothing in either direction.
 */
export const hang: FaultKind = {
  kind: 'hang',
  summary: 'accepts the request, never answers, never closes (until the client leaves or the proxy stops)',
  syntax: '`=after-101`: forward the 101, then relay nothing either way',
  mimics: 'zrok / openziti sdk-golang hijack deadline bug (openziti/sdk-golang#356); TLS terminator with a dead backend',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const when = r.oneOf(value, 'the value', ['after-101'] as const, 'after-101');
    if (value === undefined) {
      return {
        kind: 'hang',
        spec,
        onRequest(ctx) {
          ctx.hold();
          return 'handled';
        },
      };
    }
    return {
      kind: 'hang',
      spec,
      onTunnel(tunnel, ctx) {
        ctx.log.info({ fault: spec }, `${when}: relaying nothing from now on`);
        for (const dir of ['up', 'down'] as const) {
          const gate = new Gate();
          gate.shut();
          tunnel.addStage(dir, gate);
        }
      },
    };
  },
};
