import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { compressMessage, parseExtensions } from '../deflate.js';
import { firstHeader } from '../open.js';
import { fmtMs, roundTrip, verdictOf } from '../steps.js';

/** Compressible on purpose, and over ws's 1 KiB threshold so a ws server compresses its echo too. */
function sample(seq: number): Buffer {
  const row = (i: number) => `{"seq":${seq},"row":${i},"status":"ok","path":"/wstrace/probe/compression"}\n`;
  return Buffer.from(Array.from({ length: 60 }, (_, i) => row(i)).join(''));
}

/**
 * permessage-deflate (RFC 7692): what the 101 negotiated, and whether compressed messages
 * survive the path. Hops that re-frame traffic and drop or keep RSV1 wrongly break exactly
 * this (catalogue: extension-broken). Two compressed messages test the peer's context
 * takeover, one plain message that RSV1 really is per message (§6).
 */
export const compressionCheck: Check = {
  ...checkInfo('compression'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open({ deflate: true });
    const header = firstHeader(s.head.headers, 'sec-websocket-extensions');
    const { deflate, problems } = parseExtensions(header, true);
    if (problems.length) {
      return outcome('fail', 'the 101 answered the extension offer incorrectly (a client must fail it)', {
        value: 'on', unit: null, evidence: [`Sec-WebSocket-Extensions: ${header}`, ...problems], verdict: 'extension-broken', data: { extensions: header },
      });
    }
    if (!deflate) {
      return outcome('pass', 'permessage-deflate not negotiated: the server (or a hop) declined it; messages go uncompressed', {
        value: 'off', unit: null, data: { extensions: null }, evidence: ['offered "permessage-deflate; client_max_window_bits", 101 had no Sec-WebSocket-Extensions'],
      });
    }
    const ms = ctx.settings.timeoutMs;
    const evidence: string[] = [`negotiated: ${header}`];
    const steps: { what: string; payload: Buffer; compress: boolean }[] = [
      { what: 'compressed message 1', payload: sample(1), compress: true },
      { what: 'compressed message 2 (peer context takeover)', payload: sample(2), compress: true },
      { what: 'uncompressed message (RSV1 clear)', payload: Buffer.from('wstrace: plain message under deflate'), compress: false },
    ];
    let replyCompressed = 0;
    for (const step of steps) {
      const r = await roundTrip(s, step.payload, false, ctx.wait(ms), step.compress);
      if (!r.ok) {
        return outcome('fail', `deflate negotiated but the ${step.what} did not come back intact`, {
          value: 'on', unit: null, closeCode: r.closeCode, evidence: [...evidence, `${step.what}: ${r.why}`], data: { extensions: header },
          verdict: r.kind === 'timeout' ? verdictOf(r.kind, r.closeCode) : 'extension-broken',
        });
      }
      if (r.message.compressed) replyCompressed++;
      if (step.compress) evidence.push(`${step.what}: ${step.payload.length} B sent as ${compressMessage(step.payload, deflate).length} B, echoed${r.message.compressed ? ' compressed' : ' uncompressed'} in ${fmtMs(r.ms)}`);
    }
    return outcome('pass', `negotiated "${header}"; compressed echoes intact (${replyCompressed} of ${steps.length} replies compressed)`, {
      value: 'on', unit: null, evidence,
      data: { extensions: header, deflate: { ...deflate, raw: undefined } },
    });
  },
};
