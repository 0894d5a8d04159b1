/**
 * The failure catalogue: observations → verdict codes. Each case is what a real hop does
 * (see README "Failure catalogue"), reduced to the facts the client records.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { NEXT_STEP, VERDICT_CODES, verdict } from '../src/diagnose/catalogue.js';
import { deadlineError, diagnoseError } from '../src/diagnose/errors.js';
import { diagnoseResponse, whoAnswered } from '../src/diagnose/response.js';
import { diagnoseClose, type CloseSeen } from '../src/diagnose/close.js';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

function response(status: number, headers: IncomingHttpHeaders = {}, body = '', origin?: string) {
  return diagnoseResponse({ status, statusText: '', headers, body, origin });
}

describe('catalogue', () => {
  it('every code has a default next step, and verdict() uses it unless given one', () => {
    for (const code of VERDICT_CODES) assert.ok(NEXT_STEP[code]?.length > 10, code);
    assert.equal(verdict('dns-failure', 's').next, NEXT_STEP['dns-failure']);
    assert.equal(verdict('dns-failure', 's', [], 'custom').next, 'custom');
    assert.deepEqual(verdict('dns-failure', 's').evidence, []);
  });
});

describe('socket errors and deadlines by phase', () => {
  const where = 'h:1';
  it('resolve → dns-failure', () => {
    assert.equal(diagnoseError('resolve', errno('ENOTFOUND'), where).code, 'dns-failure');
  });
  it('connect: refused, timed out (ours and the kernel\'s), reset, other', () => {
    assert.equal(diagnoseError('connect', errno('ECONNREFUSED'), where).code, 'connect-refused');
    const ours = diagnoseError('connect', deadlineError('connect', 1000), where, 1000);
    assert.equal(ours.code, 'connect-timeout');
    assert.match(ours.summary, /1000 ms/);
    assert.doesNotMatch(ours.evidence.join(), /ETIMEDOUT_DEADLINE/, 'our internal errno is not evidence');
    assert.equal(diagnoseError('connect', errno('ETIMEDOUT'), where).code, 'connect-timeout');
    // Accepted, then reset at once (HAProxy/ELB with no backend): not a refusal.
    assert.equal(diagnoseError('connect', errno('ECONNRESET'), where).code, 'no-response');
    assert.equal(diagnoseError('connect', errno('ENETUNREACH'), where).code, 'connect-failed');
  });
  it('tls: deadline, plain HTTP on the port, other', () => {
    const slow = diagnoseError('tls', deadlineError('tls', 500), where, 500);
    assert.equal(slow.code, 'tls-failure');
    assert.match(slow.next, /ws:\/\//);
    assert.equal(diagnoseError('tls', errno('EPROTO', 'wrong version number'), where).code, 'tls-failure');
    assert.equal(diagnoseError('tls', errno('CERT_HAS_EXPIRED'), where).code, 'tls-failure');
  });
  it('upgrade: deadline → handshake-timeout; reset → no-response; not HTTP → bad-response', () => {
    const v = diagnoseError('upgrade', deadlineError('upgrade', 1000), where, 1000);
    assert.equal(v.code, 'handshake-timeout');
    assert.match(v.summary, /within 1000 ms/);
    assert.equal(diagnoseError('upgrade', errno('ECONNRESET'), where).code, 'no-response');
    assert.equal(diagnoseError('upgrade', errno('HPE_INVALID_CONSTANT'), where).code, 'bad-response');
  });
});

describe('non-101 answers', () => {
  const explainer = (via: unknown[]) =>
    JSON.stringify({ error: 'upgrade-required', endpoint: 'echo', missing: [{ header: 'Upgrade', expected: 'websocket', received: null }, { header: 'Connection', expected: 'Upgrade', received: 'keep-alive' }], via });

  it('our endpoint\'s 426 with a present→absent Via gap → upgrade-headers-stripped between the two hops', () => {
    const v = response(426, { 'x-wstrace-endpoint': 'echo' }, explainer([
      { protocol: '1.1', receivedBy: 'b', wstrace: { upgrade: 'present' } },
      { protocol: '1.1', receivedBy: 'a', wstrace: { upgrade: 'absent' } },
    ]));
    assert.equal(v.code, 'upgrade-headers-stripped');
    assert.match(v.summary, /between "b" and "a"/);
    const ev = v.evidence.join('\n');
    assert.match(ev, /Upgrade \(got nothing\)/);
    assert.match(ev, /Connection \(got "keep-alive"\)/);
    assert.match(ev, /b \(upgrade=present\) → a \(upgrade=absent\)/);
  });

  it('426 whose Via has only present hops: stripped after the last one', () => {
    const v = response(426, { 'x-wstrace-endpoint': 'echo' }, explainer([{ protocol: '1.1', receivedBy: 'b', wstrace: { upgrade: 'present' } }]));
    assert.equal(v.code, 'upgrade-headers-stripped');
    assert.match(v.evidence.join('\n'), /after "b"/);
  });

  it('a foreign 426 (no wstrace marker) → still upgrade-headers-stripped, naming who answered', () => {
    const v = response(426, { server: 'uvicorn' }, 'Upgrade Required');
    assert.equal(v.code, 'upgrade-headers-stripped');
    assert.match(v.evidence.join(), /Server: uvicorn/);
  });

  it('508 and 504 from a wstrace hop → loop-detected, handshake-timeout', () => {
    assert.equal(response(508, { 'x-wstrace-hop': 'p' }).code, 'loop-detected');
    const v = response(504, { 'x-wstrace-hop': 'p' }, '{"error":"Gateway Timeout"}');
    assert.equal(v.code, 'handshake-timeout');
    assert.match(v.summary, /"p"/);
  });

  it('a foreign 504 or 502 is an http-error that names who answered', () => {
    const v = response(502, { server: 'nginx/1.25', via: '1.1 lb' }, '<html>Bad Gateway</html>');
    assert.equal(v.code, 'http-error');
    assert.match(v.evidence.join(), /Server: nginx\/1\.25/);
    assert.match(v.evidence.join(), /body: <html>Bad Gateway<\/html>/);
    assert.equal(response(504).code, 'http-error');
  });

  it('403 with an Origin → origin-rejected; without → http-error', () => {
    assert.equal(response(403, {}, '', 'https://app.test').code, 'origin-rejected');
    assert.equal(response(403).code, 'http-error');
  });

  it('redirects print Location; 401 asks for credentials; 404 points at the path or a stripping hop', () => {
    const r = response(301, { location: 'wss://other.test/ws' });
    assert.match(r.evidence.join(), /Location: wss:\/\/other\.test\/ws/);
    assert.match(r.next, /redirect/);
    assert.match(response(401).next, /credentials/);
    assert.match(response(404).next, /path/);
  });

  it('long bodies are cut to one line', () => {
    const v = response(500, {}, 'x'.repeat(1000) + '\n\nmore');
    const body = v.evidence.find((e) => e.startsWith('body:'))!;
    assert.ok(body.length < 220);
    assert.doesNotMatch(body, /\n/);
  });

  it('whoAnswered lists every identifying header, or says there were none', () => {
    assert.equal(whoAnswered({}), 'no identifying headers (Server, Via)');
    const who = whoAnswered({ 'x-wstrace-endpoint': 'e', 'x-wstrace-hop': 'h', server: 's', via: 'v', 'cf-ray': 'r' });
    for (const part of ['endpoint "e"', 'hop "h"', 'Server: s', 'Via: v', 'cf-ray: r']) assert.ok(who.includes(part), who);
  });
});

describe('closes on an open connection', () => {
  const base: CloseSeen = { code: 1006, reason: '', during: 'echo 2', marker: 'echo', extensions: '', echoes: () => 1, sentBytes: 2048 };

  it('1009, or ws refusing the length itself → message-too-big with the size', () => {
    const v = diagnoseClose({ ...base, code: 1009 });
    assert.equal(v.code, 'message-too-big');
    assert.match(v.summary, /2048 B/);
    assert.equal(diagnoseClose({ ...base, errorCode: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' }).code, 'message-too-big');
  });

  it('1002 with permessage-deflate → extension-broken; without → protocol-error via the ws error code', () => {
    assert.equal(diagnoseClose({ ...base, code: 1002, extensions: 'permessage-deflate' }).code, 'extension-broken');
    const v = diagnoseClose({ ...base, errorCode: 'WS_ERR_INVALID_OPCODE' });
    assert.equal(v.code, 'protocol-error');
    assert.match(v.summary, /WS_ERR_INVALID_OPCODE/);
  });

  it('1001/1011 right after a 101 that did not come from our endpoint → terminating-hop', () => {
    assert.equal(diagnoseClose({ ...base, code: 1001, marker: undefined, echoes: () => 0 }).code, 'terminating-hop');
    // From our own endpoint (marker present) it is the peer's own close.
    assert.equal(diagnoseClose({ ...base, code: 1001, echoes: () => 0 }).code, 'peer-closed');
  });

  it('1006 → connection-dropped with the echo count; a clean code → peer-closed naming it', () => {
    const dropped = diagnoseClose(base);
    assert.equal(dropped.code, 'connection-dropped');
    assert.match(dropped.evidence.join(), /1 echo\(es\) had succeeded/);
    const closed = diagnoseClose({ ...base, code: 4000, reason: 'bye' });
    assert.equal(closed.code, 'peer-closed');
    assert.match(closed.summary, /4000.*"bye"/);
  });
});
