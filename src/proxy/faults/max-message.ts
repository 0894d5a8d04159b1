import { TUNNEL_DRAIN_MS } from '../../constants.js';
import { encodeClose } from '../../protocol/frame-encoder.js';
import type { FaultKind } from './fault.js';
import { FrameStage } from './frame-stage.js';
import { SpecReader } from './params.js';

/**
 * `max-message=BYTES`: a hop that parses WebSocket and caps messages from the client, like
 * Easegress (32768 B by default) or any gorilla-based proxy with SetReadLimit: the oversized
 * message is not forwarded, the client gets a close 1009 frame, then the tunnel is dropped.
 * The cap counts payload bytes on the wire (compressed bytes under permessage-deflate), across
 * the fragments of one message.
 */
export const maxMessage: FaultKind = {
  kind: 'max-message',
  summary: 'frame-aware: a client message over the cap is not forwarded; the client gets close 1009, then the tunnel drops',
  syntax: '`=BYTES` (wire payload, fragments summed; compressed size under deflate)',
  mimics: 'Easegress (32768 B); gorilla `SetReadLimit`',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const cap = r.bytes(r.required('a size in bytes such as 32768 or 32k'), 'message cap');
    return {
      kind: 'max-message',
      spec,
      onTunnel(tunnel, ctx) {
        // Server→client frames go through a frame-aligned stage so the 1009 lands between frames.
        const down = new FrameStage((_f, raw) => raw);
        let guard: NodeJS.Timeout | undefined;
        const up = new FrameStage((_f, raw) => raw, {
          maxPayload: cap,
          onTooBig(err) {
            ctx.log.info({ fault: spec, detail: err.message }, 'client message over the cap: close 1009');
            down.inject(encodeClose(1009, `message too big for this hop (> ${cap} B)`));
            down.halt();
            const drop = () => tunnel.destroy(`max-message: a client message exceeded ${cap} B (${err.message})`);
            tunnel.client.once('finish', drop);
            // A client that never reads would keep 'finish' from ever firing.
            guard = setTimeout(drop, TUNNEL_DRAIN_MS);
          },
        });
        tunnel.addStage('up', up);
        tunnel.addStage('down', down);
        tunnel.once('closed', () => clearTimeout(guard));
      },
    };
  },
};
