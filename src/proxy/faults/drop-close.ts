import { Opcode } from '../../protocol/frame.js';
import type { FaultKind } from './fault.js';
import { FrameStage } from './frame-stage.js';
import { SpecReader } from './params.js';

/**
 * `drop-close[:stream=up|down|both]`: swallow close frames in that direction (default both), so
 * the closing side waits for an answer that never comes — a peer or hop that does not complete the
 * close handshake (RFC 6455 §7.1.2); the closer's own deadline is all that ends it.
 * `drop-close=up` is the older spelling of `stream=up` (the registry maps it).
 */
export const dropClose: FaultKind = {
  kind: 'drop-close',
  summary: 'swallows close frames in that direction',
  syntax: '`stream=up|down|both` (default `both`; `=up` is the older spelling)',
  mimics: 'a peer or hop that never completes the close handshake',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    r.oneOf(value, 'the direction', ['up', 'down', 'both'] as const, 'both');
    return {
      kind: 'drop-close',
      spec,
      onTunnel(tunnel, ctx) {
        for (const d of ['up', 'down'] as const) {
          tunnel.addStage(d, new FrameStage((f, raw) => {
            if (f.opcode !== Opcode.CLOSE) return raw;
            ctx.log.info({ fault: spec, dir: d }, 'swallowed a close frame');
            return null;
          }));
        }
      },
    };
  },
};
