import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeVia, findStrippingGap, formatViaEntry, parseVia } from '../src/protocol/via.js';

describe('Via (RFC 9110 §7.6.3)', () => {
  it('formats a wstrace entry with the upgrade comment', () => {
    assert.equal(formatViaEntry('edge', true), '1.1 edge (wstrace; upgrade=present)');
    assert.equal(formatViaEntry('edge', false), '1.1 edge (wstrace; upgrade=absent)');
  });

  it('round-trips what a wstrace hop writes', () => {
    const [e] = parseVia(formatViaEntry('hop-1', false));
    assert.deepEqual(e, { protocol: '1.1', receivedBy: 'hop-1', comment: 'wstrace; upgrade=absent', wstrace: { upgrade: 'absent' } });
  });

  it('parses a chain in order, mixing wstrace and foreign hops', () => {
    const via = parseVia('1.1 a (wstrace; upgrade=present), HTTP/1.1 varnish (Varnish/6.0), 1.0 nginx, 1.1 b (wstrace; upgrade=absent)');
    assert.deepEqual(via.map((v) => v.receivedBy), ['a', 'varnish', 'nginx', 'b']);
    assert.deepEqual(via.map((v) => v.protocol), ['1.1', 'HTTP/1.1', '1.0', '1.1']);
    assert.equal(via[1]!.comment, 'Varnish/6.0');
    assert.equal(via[1]!.wstrace, undefined);
    assert.equal(via[2]!.comment, undefined);
  });

  it('does not split on commas inside comments, even nested ones', () => {
    const via = parseVia('1.1 cdn (edge, pop=fra (a, b)), 1.1 lb');
    assert.deepEqual(via.map((v) => v.receivedBy), ['cdn', 'lb']);
    assert.equal(via[0]!.comment, 'edge, pop=fra (a, b)');
  });

  it('joins repeated Via header lines (Node gives an array when asked for raw values)', () => {
    assert.deepEqual(parseVia(['1.1 a', '1.1 b, 1.1 c']).map((v) => v.receivedBy), ['a', 'b', 'c']);
  });

  it('is lenient with odd values: empty, extra commas, a bare pseudonym, host:port', () => {
    assert.deepEqual(parseVia(undefined), []);
    assert.deepEqual(parseVia(''), []);
    assert.deepEqual(parseVia(' , ,1.1 a,, ').map((v) => v.receivedBy), ['a']);
    assert.deepEqual(parseVia('lonely'), [{ protocol: '', receivedBy: 'lonely' }]);
    assert.equal(parseVia('1.1 proxy.example:8080')[0]!.receivedBy, 'proxy.example:8080');
  });

  it('accepts loose spacing in the wstrace comment but not other comments as wstrace', () => {
    assert.deepEqual(parseVia('1.1 a (wstrace;upgrade=present)')[0]!.wstrace, { upgrade: 'present' });
    assert.equal(parseVia('1.1 a (wstrace; upgrade=maybe)')[0]!.wstrace, undefined);
    assert.equal(parseVia('1.1 a (not-wstrace; upgrade=present)')[0]!.wstrace, undefined);
  });

  it('describes a chain on one line', () => {
    assert.equal(describeVia([]), 'no Via entries');
    assert.equal(describeVia(parseVia('1.1 a (wstrace; upgrade=present), 1.1 nginx, 1.1 b (wstrace; upgrade=absent)')), 'a (upgrade=present) → nginx → b (upgrade=absent)');
  });

  it('finds where present flips to absent, skipping foreign hops', () => {
    const chain = parseVia('1.1 a (wstrace; upgrade=present), 1.1 nginx, 1.1 b (wstrace; upgrade=absent), 1.1 c (wstrace; upgrade=absent)');
    assert.deepEqual(findStrippingGap(chain), { before: 'a', after: 'b' });
  });

  it('reports a chain whose first wstrace hop already saw no upgrade', () => {
    assert.deepEqual(findStrippingGap(parseVia('1.1 nginx, 1.1 b (wstrace; upgrade=absent)')), { after: 'b' });
  });

  it('finds no gap when every wstrace hop saw the upgrade, or there are none', () => {
    assert.equal(findStrippingGap(parseVia('1.1 a (wstrace; upgrade=present), 1.1 b (wstrace; upgrade=present)')), undefined);
    assert.equal(findStrippingGap(parseVia('1.1 nginx')), undefined);
    assert.equal(findStrippingGap([]), undefined);
  });
});
