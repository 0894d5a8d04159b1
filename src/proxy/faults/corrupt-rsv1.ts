import { Opcode } from '../../protocol/frame.js';
import type { FaultKind } from './fault.js';
import { FrameStage } from './frame-stage.js';
import { SpecReader } from './params.js';

/**
 * `corrupt-rsv1`: flip RSV1 on every text/binary frame going to the client (`stream=down`, the
 * default; `up` flips the client's frames instead). Under
 * permessage-deflate (RFC 7692 §6) RSV1 marks a compressed message, so the client inflates
 * plain bytes or takes compressed bytes as data; without the extension RSV1 is a protocol
 * error (RFC 6455 §5.2). A middlebox that rewrites frame headers breaks deflate this way.
 */
export const corruptRsv1: FaultKind = {
  kind: 'corrupt-rsv1',
  summary: 'frame-aware: flips RSV1 on text/binary frames going to the client (`stream=down`, the default)',
  syntax: '—',
  mimics: 'middlebox rewriting frame headers: permessage-deflate broken (RFC 7692)',
  create(value, params, spec) {
    new SpecReader(spec, value, params).noValue();
    return {
      kind: 'corrupt-rsv1',
      spec,
      onTunnel(tunnel) {
        for (const d of ['up', 'down'] as const) {
          tunnel.addStage(d, new FrameStage((f, raw) => {
            if (f.opcode === Opcode.TEXT || f.opcode === Opcode.BINARY) raw[0] = raw[0]! ^ 0x40;
            return raw;
          }));
        }
      },
    };
  },
};
