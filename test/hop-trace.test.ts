/** The hop-trace digest in Via: short, valid, read back exactly, and changes found in order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeChange, digestRequest, firstDowngrade, parseReceived, formatReceived, traceChanges } from '../src/protocol/hop-trace.js';
import { formatViaEntry, parseVia } from '../src/protocol/via.js';

const headers = {
  upgrade: 'WebSocket', connection: 'keep-alive, Upgrade', 'sec-websocket-version': '13',
  'sec-websocket-protocol': 'chat.v1, chat.v2', 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits',
  origin: 'https://app.example', host: 'app.example:8443',
};

describe('hop trace digest', () => {
  it('a Via entry carries the received version first and every field in a short comment, and parses back', () => {
    const d = digestRequest('1.0', headers);
    const entry = formatViaEntry('edge', true, d);
    assert.equal(entry, '1.0 edge (wstrace; upgrade=present; u=websocket c=keep-alive+upgrade v=13 p=chat.v1+chat.v2 x=permessage-deflate o=https://app.example h=app.example:8443)');
    // RFC 9110 §7.6.3 comment: no unbalanced parentheses, no backslash, and no comma to split on.
    assert.doesNotMatch(entry.slice(entry.indexOf('(') + 1, -1), /[()\\,]/);
    const [parsed, next] = parseVia(`${entry}, 1.1 nginx`);
    assert.deepEqual(parsed!.wstrace, { upgrade: 'present', received: d });
    assert.equal(next!.receivedBy, 'nginx');
  });

  it('absent headers are "-", and a value that would break the comment becomes a short hash', () => {
    const d = digestRequest('1.1', { host: 'a (b), c', upgrade: 'websocket' });
    assert.equal(d.origin, null);
    assert.match(d.host!, /^#[0-9a-f]{8}$/);
    assert.notEqual(digestRequest('1.1', { host: 'a (b), d' }).host, d.host);
    assert.deepEqual(parseReceived(formatReceived(d)), d);
  });

  it('changes are listed between consecutive points, and an HTTP/1.0 receipt is found', () => {
    const sent = digestRequest('1.1', headers);
    const edge = digestRequest('1.1', headers);
    const inner = digestRequest('1.0', { ...headers, 'sec-websocket-protocol': undefined, origin: 'https://other.example' });
    const points = [{ at: 'client', digest: sent }, { at: 'edge', digest: edge }, { at: 'inner', digest: inner }];
    const changes = traceChanges(points);
    assert.deepEqual(changes.map((c) => [c.field, c.from, c.to]), [['http', 'edge', 'inner'], ['protocol', 'edge', 'inner'], ['origin', 'edge', 'inner']]);
    assert.equal(describeChange(changes[1]!), 'Sec-WebSocket-Protocol was removed between "edge" and "inner": "chat.v1+chat.v2" → absent');
    assert.equal(firstDowngrade(points)?.point.at, 'inner');
  });

  it('an entry from round 1 (upgrade=… only) still parses', () => {
    assert.deepEqual(parseVia('1.1 old (wstrace; upgrade=absent)')[0]!.wstrace, { upgrade: 'absent' });
  });
});
