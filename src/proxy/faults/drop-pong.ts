import { Opcode } from '../../protocol/frame.js';
import type { FaultKind } from './fault.js';
import { FrameStage } from './frame-stage.js';
import { SpecReader } from './params.js';

/**
 * `drop-pong`: swallow pong frames both ways, so keep-alive pings look unanswered while data
 * still flows: how a liveness check misfires behind a hop that filters control frames.
 */
export const dropPong: FaultKind = {
  kind: 'drop-pong',
  summary: 'swallows pong frames; data still flows',
  syntax: '—',
  mimics: 'a hop filtering control frames: keep-alive pings look dead',
  create(value, params, spec) {
    new SpecReader(spec, value, params).noValue();
    return {
      kind: 'drop-pong',
      spec,
      onTunnel(tunnel) {
        for (const d of ['up', 'down'] as const) tunnel.addStage(d, new FrameStage((f, raw) => (f.opcode === Opcode.PONG ? null : raw)));
      },
    };
  },
};
