import type { IncomingMessage, ServerResponse } from 'node:http';
import { Http2ServerResponse, type Http2ServerRequest } from 'node:http2';
import { ENDPOINT_HEADER, RECEIVED_HEADER } from '../constants.js';
import { digestH2Request, digestRequest, formatReceived } from '../protocol/hop-trace.js';
import { checkUpgradeRequest } from '../protocol/upgrade-check.js';
import { parseVia, describeVia, findStrippingGap } from '../protocol/via.js';
import type { UpgradeRequiredBody } from '../diagnose/response.js';

/**
 * A plain request reached the echo endpoint. Instead of a bare 426 (what `ws` sends), say which
 * upgrade headers were missing or wrong and which hops the request came through, so whoever
 * reads it, human or `wstrace client`, can place the hop that stripped them.
 */
export function explainUpgradeRequired(endpoint: string, req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  const via = parseVia(req.headers.via);
  const body: UpgradeRequiredBody & { hint: string } = {
    error: 'upgrade-required',
    endpoint,
    missing: checkUpgradeRequest(req.method, req.headers),
    via,
    hint: hintFor(via),
  };
  const text = JSON.stringify(body, null, 2) + '\n';
  const h2 = req.httpVersion === '2.0';
  const received = formatReceived(h2 ? digestH2Request(req.headers) : digestRequest(req.httpVersion, req.headers));
  const headers = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), [ENDPOINT_HEADER]: endpoint, [RECEIVED_HEADER]: received };
  if (res instanceof Http2ServerResponse) {
    // HTTP/2 has no Upgrade (RFC 9113 §8.6): a WebSocket comes as an extended CONNECT, and a
    // connection-specific header would make the response malformed (§8.2.2).
    res.writeHead(426, headers).end(text);
    return;
  }
  // RFC 9110 §15.5.22: a 426 names the protocol to upgrade to.
  res.writeHead(426, 'Upgrade Required', { ...headers, Upgrade: 'websocket', Connection: 'Upgrade' }).end(text);
}

function hintFor(via: ReturnType<typeof parseVia>): string {
  const gap = findStrippingGap(via);
  if (gap?.before) return `Upgrade/Connection were dropped between "${gap.before}" and "${gap.after}" (Via: ${describeVia(via)})`;
  if (gap) return `"${gap.after}" already received the request without Upgrade/Connection: the client or a hop in front of it dropped them`;
  if (via.length) return `the request came through ${describeVia(via)}; the hop after the last one that saw the upgrade dropped it`;
  return 'no hop left a Via entry: the client sent a plain request, or a hop that does not add Via dropped the upgrade headers';
}
