// A proxy that accepts TCP and never answers its CONNECT (or SOCKS greeting): proxy-timeout after
// --timeout, not minutes, and the socket is released. A raw peer that misbehaves on purpose.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultOf, runCli } from './helpers/cli.js';
import { hangingServer } from './helpers/raw-peers.js';
import { proxyEnv } from './helpers/forward-proxies.js';

for (const scheme of ['http', 'socks5h'] as const) {
  test(`a ${scheme}:// proxy that never answers: proxy-timeout within --timeout, nothing left open`, async (t) => {
    const peer = await hangingServer();
    t.after(() => peer.close());
    const r = await runCli(['client', 'ws://app.example/ws', '--proxy', `${scheme}://127.0.0.1:${peer.port}`, '--timeout', '1s', '--json'], { env: proxyEnv() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.ok(r.ms < 10_000, `took ${Math.round(r.ms)} ms`);
    const v = resultOf(r.stdout).verdict!;
    assert.equal(v.code, 'proxy-timeout', JSON.stringify(v));
    assert.match(v.summary, /accepted the connection but did not answer within 1000 ms/);
    assert.equal(peer.accepted, 1);
    assert.match(peer.requests.join(''), scheme === 'http' ? /^CONNECT app\.example:80 HTTP\/1\.1\r\n/ : /^\x05/);
    await peer.waitAllClosed(5_000);
  });
}
