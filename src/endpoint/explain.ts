import type { IncomingMessage, ServerResponse } from 'node:http';
import { ENDPOINT_HEADER, RECEIVED_HEADER } from '../constants.js';
import { digestRequest, formatReceived } from '../protocol/hop-trace.js';
import { checkUpgradeRequest } from '../protocol/upgrade-check.js';
import { parseVia, describeVia, findStrippingGap } from '../protocol/via.js';
import type { UpgradeRequiredBody } from '../diagnose/response.js';

/**
 * A plain request reached the echo endpoint. Instead of a bare 426 (what `ws` sends), say which
 * upgrade headers were missing or wrong and which hops the request came through, so whoever
 * reads it, human or `wstrace client`, can place the hop that stripped them.
 */
export function explainUpgradeRequired(endpoint: string, req: IncomingMessage, res: ServerResponse): void {
  const via = parseVia(req.headers.via);
  const body: UpgradeRequiredBody & { hint: string } = {
    error: 'upgrade-required',
    endpoint,
    missing: checkUpgradeRequest(req.method, req.headers),
    via,
    hint: hintFor(via),
  };
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(426, 'Upgrade Required', {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to.
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    [ENDPOINT_HEADER]: endpoint,
    [RECEIVED_HEADER]: formatReceived(digestRequest(req.httpVersion, req.headers)),
  });
  res.end(text);
}

function hintFor(via: ReturnType<typeof parseVia>): string {
  const gap = findStrippingGap(via);
  if (gap?.before) return `Upgrade/Connection were dropped between "${gap.before}" and "${gap.after}" (Via: ${describeVia(via)})`;
  if (gap) return `"${gap.after}" already received the request without Upgrade/Connection: the client or a hop in front of it dropped them`;
  if (via.length) return `the request came through ${describeVia(via)}; the hop after the last one that saw the upgrade dropped it`;
  return 'no hop left a Via entry: the client sent a plain request, or a hop that does not add Via dropped the upgrade headers';
}
