// Faults that act on the opening handshake: each test shows the effect against a real chain
// (echo endpoint + wstrace hops on 127.0.0.1), and would fail without the fault's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { withChain, hops, open, echo, sleep } from './chain-helpers.js';

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Sends a WebSocket upgrade with Node's http client and returns a non-101 answer (rejects on 101). */
function upgradeAnswer(url: string, extra: Record<string, string> = {}, ms = 3_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace(/^ws/, 'http'), {
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...extra },
      timeout: ms,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${ms} ms`)));
    req.on('error', reject);
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      reject(new Error('unexpected 101'));
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}

async function inspect(ws: import('ws').WebSocket): Promise<{ headers: [string, string][] }> {
  const r = await echo(ws, 'wstrace:inspect', 2_000);
  assert.ok(Buffer.isBuffer(r), `inspect answered: ${String(r)}`);
  return JSON.parse(r.toString()) as { headers: [string, string][] };
}

const headerOf = (h: [string, string][], name: string) => h.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

test('strip-upgrade: the endpoint gets a plain GET; Via says present at the stripping hop, absent at the next', async (t) => {
  const chain = await withChain(t, hops(['strip-upgrade'], []));
  const a = await upgradeAnswer(chain.layers[0]!.url);
  assert.equal(a.status, 426, a.body);
  const body = JSON.parse(a.body) as { missing: { header: string }[]; via: { receivedBy: string; wstrace?: { upgrade: string } }[] };
  assert.deepEqual(body.missing.map((m) => m.header), ['Upgrade', 'Connection']);
  assert.deepEqual(body.via.map((v) => [v.receivedBy, v.wstrace?.upgrade]), [['hop-1', 'present'], ['hop-2', 'absent']]);
  // The layer just inside the faulty hop upgrades fine.
  const ws = await open(t, chain.layers[1]!.url);
  assert.equal((await echo(ws, 'ok', 2_000)).toString(), 'ok');
});

test('hang: the hop accepts the upgrade and never answers nor closes, until the proxy stops', async (t) => {
  const chain = await withChain(t, hops(['hang']));
  const { port } = new URL(chain.layers[0]!.url);
  const sock = net.connect(Number(port), '127.0.0.1');
  t.after(() => sock.destroy());
  let got = 0;
  let closedAt = 0;
  sock.on('data', (d) => (got += d.length));
  sock.on('error', () => {});
  sock.on('close', () => (closedAt = performance.now()));
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  await sleep(1_000);
  assert.equal(got, 0, 'no byte of answer');
  assert.equal(closedAt, 0, 'still open');
  const t0 = performance.now();
  await chain.close();
  await sleep(100);
  assert.ok(closedAt > 0 && closedAt - t0 < 1_500, 'stopping the proxy releases the held socket');
});

test('hang=after-101: the 101 is forwarded, then nothing is relayed either way', async (t) => {
  const chain = await withChain(t, hops(['hang=after-101']));
  const ws = await open(t, chain.layers[0]!.url);
  assert.equal(await echo(ws, 'anyone?', 800), 'timeout');
  assert.equal(ws.readyState, ws.OPEN, 'TCP stays open');
});

test('status=503: the hop answers itself with a JSON body naming the fault', async (t) => {
  const chain = await withChain(t, hops([], ['status=503']));
  const a = await upgradeAnswer(chain.layers[0]!.url);
  assert.equal(a.status, 503);
  assert.equal(a.headers['x-wstrace-hop'], 'hop-2');
  const body = JSON.parse(a.body) as { hop: string; message: string };
  assert.equal(body.hop, 'hop-2');
  assert.match(body.message, /status=503/);
});

test('status=403,origin=URL: only a foreign Origin is refused (an Origin check)', async (t) => {
  const chain = await withChain(t, hops(['status=403,origin=https://app.example']));
  const url = chain.layers[0]!.url;
  const a = await upgradeAnswer(url, { Origin: 'https://evil.example' });
  assert.equal(a.status, 403);
  assert.match(JSON.parse(a.body).message as string, /Origin "https:\/\/evil.example" is not allowed/);
  const same = await open(t, url, { origin: 'https://app.example' });
  const none = await open(t, url);
  assert.equal(same.readyState, same.OPEN);
  assert.equal(none.readyState, none.OPEN);
});

test('strip-header=Sec-WebSocket-Protocol: the endpoint never sees the subprotocol', async (t) => {
  const chain = await withChain(t, { endpoint: { subprotocols: ['chat'] }, hops: [{ faults: ['strip-header=Sec-WebSocket-Protocol'] }, {}] });
  await assert.rejects(open(t, chain.layers[0]!.url, { protocols: ['chat'] }), /closed before open|no subprotocol/i);
  // Offered by hand (ws does not check it then): the endpoint's report has no such header.
  const ws = await open(t, chain.layers[0]!.url, { headers: { 'Sec-WebSocket-Protocol': 'chat' } });
  assert.equal(headerOf((await inspect(ws)).headers, 'sec-websocket-protocol'), undefined);
  const inner = await open(t, chain.layers[1]!.url, { protocols: ['chat'] });
  assert.equal(inner.protocol, 'chat');
});

test('set-header=Origin:VALUE: the endpoint sees the rewritten Origin', async (t) => {
  const chain = await withChain(t, hops(['set-header=Origin:https://evil.example']));
  const ws = await open(t, chain.layers[0]!.url, { origin: 'https://app.example' });
  assert.equal(headerOf((await inspect(ws)).headers, 'origin'), 'https://evil.example');
});

test('strip-extensions: permessage-deflate is offered but never negotiated', async (t) => {
  const chain = await withChain(t, hops(['strip-extensions'], []));
  const outer = await open(t, chain.layers[0]!.url, { perMessageDeflate: true });
  const inner = await open(t, chain.layers[1]!.url, { perMessageDeflate: true });
  assert.equal(outer.extensions, '');
  assert.match(inner.extensions, /permessage-deflate/);
});
