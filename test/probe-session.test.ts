/**
 * The probe's building blocks: the hand-written handshake (request and lenient response
 * parsing), permessage-deflate with the RFC 7692 tail and context takeover, the raw Session
 * against a peer that splits frames at odd byte boundaries, and check selection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { constants as zc, createDeflateRaw, inflateRawSync } from 'node:zlib';
import { InputError } from '../src/errors.js';
import { parseWsUrl } from '../src/net/url.js';
import { buildUpgradeRequest, dechunk, parseResponseHead } from '../src/probe/http-head.js';
import { compressMessage, MessageInflater, parseExtensions, type DeflateParams } from '../src/probe/deflate.js';
import { OpenError, openSession } from '../src/probe/open.js';
import { selectChecks } from '../src/probe/registry.js';
import { PeerServer, acceptFor, closePayload, frame, header, readHead, waitUntil } from './helpers/raw-peers.js';

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

test('the upgrade request: defaults, Firefox Connection, user headers replace defaults', () => {
  const text = buildUpgradeRequest({
    target: parseWsUrl('ws://example.test:8080/chat?x=1'), key: 'dGhlIHNhbXBsZSBub25jZQ==', subprotocols: ['a', 'b'],
    connection: 'keep-alive, Upgrade', headers: { 'user-agent': 'mine', Origin: 'https://example.test' },
  });
  assert.match(text, /^GET \/chat\?x=1 HTTP\/1\.1\r\nHost: example\.test:8080\r\n/);
  assert.match(text, /\r\nConnection: keep-alive, Upgrade\r\n/);
  assert.match(text, /\r\nSec-WebSocket-Protocol: a, b\r\n/);
  assert.match(text, /\r\nuser-agent: mine\r\n/);
  assert.doesNotMatch(text, /wstrace-probe/);
  assert.match(text, /\r\nOrigin: https:\/\/example\.test\r\n\r\n$/);
});

test('response heads are parsed leniently and every deviation is noted', () => {
  const ok = parseResponseHead(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\n'));
  assert.equal(ok?.status, 101);
  assert.deepEqual(ok?.problems, []);
  assert.deepEqual(ok?.headers['set-cookie'], ['a=1', 'b=2']);
  const sloppy = parseResponseHead(Buffer.from('HTTP/1.0 101 OK\nUpgrade: websocket\n folded\nno colon here\n\n'));
  assert.equal(sloppy?.status, 101);
  assert.equal(sloppy?.problems.length, 4, JSON.stringify(sloppy?.problems));
  assert.equal(parseResponseHead(Buffer.from('SSH-2.0-OpenSSH_9.6\r\n\r\n')), undefined);
});

test('a refusal becomes an OpenError with its verdict and the de-chunked body, without waiting for close', async (t) => {
  assert.deepEqual(dechunk(Buffer.from('4\r\nNot \r\n5\r\nFound\r\n0\r\n\r\n')), { body: Buffer.from('Not Found'), complete: true });
  assert.equal(dechunk(Buffer.from('4\r\nNo')).complete, false);
  const peer = await new PeerServer((socket) => {
    readHead(socket).then(() => {
      // Keep-alive and chunked: only the last chunk says the body is complete.
      socket.write('HTTP/1.1 404 Not Found\r\nServer: fastapi-ish\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nNot \r\n5\r\nFound\r\n0\r\n\r\n');
      socket.on('end', () => socket.end());
    }, () => socket.destroy());
  }).listen();
  t.after(() => peer.close());
  const t0 = performance.now();
  const err = await openSession({ target: parseWsUrl(`${peer.url}/ws`), timeoutMs: 3_000, headers: {}, subprotocols: [], tls: {}, maxPayload: 1024 }).then(
    () => assert.fail('a 404 must not open a session'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof OpenError, String(err));
  assert.equal(err.head?.status, 404);
  assert.equal(err.body, 'Not Found');
  assert.ok(err.verdict.evidence.some((e) => e.includes('fastapi-ish')), JSON.stringify(err.verdict));
  assert.ok(performance.now() - t0 < 900, 'did not sit out the body-preview deadline');
  await peer.waitAllClosed(1_000);
});

test('Sec-WebSocket-Extensions: parameters read, violations of RFC 7692 §7.1 listed', () => {
  const good = parseExtensions('permessage-deflate; server_no_context_takeover; client_max_window_bits=10', true);
  assert.deepEqual(good.problems, []);
  assert.equal(good.deflate?.serverNoContextTakeover, true);
  assert.equal(good.deflate?.clientMaxWindowBits, 10);
  const bad = parseExtensions('permessage-deflate; server_max_window_bits=16; server_max_window_bits=9, x-webkit-deflate-frame', true);
  assert.equal(bad.problems.length, 3, JSON.stringify(bad.problems));
  assert.equal(parseExtensions('permessage-deflate', false).problems.length, 1, 'accepted although not offered');
});

test('deflate: our messages inflate on their own; the peer\'s may use the shared window', async () => {
  const params: DeflateParams = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15, raw: 'permessage-deflate' };
  // Hex of random bytes: no repetition inside one message, so only the shared window can shrink the second.
  const text = Buffer.from(randomBytes(1000).toString('hex'));
  const wire = compressMessage(text, params);
  assert.ok(!wire.subarray(-4).equals(TAIL), 'the sync-flush tail is stripped (§7.2.1)');
  assert.deepEqual(inflateRawSync(Buffer.concat([wire, TAIL]), { finishFlush: zc.Z_SYNC_FLUSH }), text);

  // A peer keeping its context: the second message refers back to the first.
  const peer = createDeflateRaw();
  const peerSend = (data: Buffer) => new Promise<Buffer>((resolve) => {
    const out: Buffer[] = [];
    const onData = (c: Buffer) => out.push(c);
    peer.on('data', onData);
    peer.write(data);
    peer.flush(zc.Z_SYNC_FLUSH, () => {
      peer.off('data', onData);
      resolve(Buffer.concat(out).subarray(0, -4));
    });
  });
  const first = await peerSend(text);
  const second = await peerSend(text);
  assert.ok(second.length < first.length / 2, 'the second message is mostly a back-reference');
  const inflater = new MessageInflater(params, 1 << 20);
  assert.deepEqual(await inflater.inflate(first), text);
  assert.deepEqual(await inflater.inflate(second), text);
  inflater.close();
  peer.close();
});

test('a session reassembles fragments split at odd byte boundaries, answers pings, records the close', async (t) => {
  const pongs: Buffer[] = [];
  const peer = await new PeerServer((socket) => {
    readHead(socket).then(async (head) => {
      const key = header(head, 'sec-websocket-key') ?? '';
      socket.on('data', (d: Buffer) => {
        // The pong we get back is masked; unmask it (RFC 6455 §5.3).
        if ((d[0]! & 0x0f) === 0xa) pongs.push(Buffer.from(d.subarray(6).map((x, i) => x ^ d[2 + (i % 4)]!)));
      });
      socket.on('end', () => socket.end());
      const wire = Buffer.concat([
        Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`),
        Buffer.from([0x01, 0x03]), Buffer.from('abc'), // text, FIN clear
        frame(0x9, 'are you there', false),
        Buffer.from([0x80, 0x02]), Buffer.from('de'), // continuation, FIN set
        frame(0x8, closePayload(1001, 'bye'), false),
      ]);
      // One byte per write: the head and every frame straddle chunks.
      for (const b of wire) {
        if (socket.destroyed) return;
        socket.write(Buffer.from([b]));
        await new Promise((r) => setImmediate(r));
      }
    }, () => socket.destroy());
  }).listen();
  t.after(() => peer.close());

  const s = await openSession({ target: parseWsUrl(`${peer.url}/`), timeoutMs: 2_000, headers: {}, subprotocols: [], tls: {}, maxPayload: 1 << 20 });
  t.after(() => s.destroy());
  const msg = await s.nextMessage(2_000);
  assert.ok(!('end' in msg), JSON.stringify(msg));
  assert.equal(msg.payload.toString(), 'abcde');
  assert.equal(msg.frames, 2);
  const close = await s.waitCloseFrame(2_000);
  assert.deepEqual({ code: close?.code, reason: close?.reason }, { code: 1001, reason: 'bye' });
  await waitUntil(() => pongs.length > 0, 2_000, 'the pong');
  assert.equal(pongs[0]!.toString(), 'are you there');
  assert.equal(s.closeCode, 1001);
  s.destroy();
  await peer.waitAllClosed(1_000);
});

test('check selection: quick by default, --check in report order, --all adds long ones, unknown names refused', () => {
  const quick = selectChecks([], false);
  assert.ok(quick.length > 0 && quick.every((c) => !c.long));
  assert.deepEqual(selectChecks(['ping', 'handshake'], false).map((c) => c.name), ['handshake', 'ping']);
  assert.ok(selectChecks([], true).some((c) => c.name === 'idle-timeout'));
  assert.deepEqual(selectChecks(['idle-timeout'], false).map((c) => c.name), ['idle-timeout']);
  assert.throws(() => selectChecks(['handshake', 'nope'], false), (e: unknown) => e instanceof InputError && /unknown check "nope"/.test(e.message));
});
