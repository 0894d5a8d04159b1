/**
 * `wstrace:inspect` is readable by any page that can open a WebSocket to the endpoint (the
 * endpoint accepts every Origin), so credentials a browser or a hop attached are redacted by
 * default: presence and length only. `echo --show-secrets` shows them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startCliServer, stopAll } from './helpers/cli.js';

const SECRETS = { Authorization: 'Bearer s3cr3t-token', Cookie: 'session=abc123; theme=dark', 'Proxy-Authorization': 'Basic dXNlcjpwYXNz' };

async function inspect(url: string): Promise<{ headers: [string, string][] }> {
  const ws = new WebSocket(url, { headers: { ...SECRETS, 'X-Visible': 'yes' }, origin: 'https://evil.example' });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no inspect report within 5 s')), 5_000);
      ws.once('message', (d) => {
        clearTimeout(timer);
        resolve(String(d));
      });
    });
    ws.send('wstrace:inspect');
    return JSON.parse(await reply) as { headers: [string, string][] };
  } finally {
    ws.terminate();
  }
}

test('inspect redacts Authorization, Cookie and Proxy-Authorization by default; --show-secrets shows them', async (t) => {
  const plain = await startCliServer(t, ['echo', '--port', '0']);
  const open = await startCliServer(t, ['echo', '--port', '0', '--show-secrets']);
  const redacted = new Map((await inspect(plain.url)).headers.map(([k, v]) => [k.toLowerCase(), v]));
  const shown = new Map((await inspect(open.url)).headers.map(([k, v]) => [k.toLowerCase(), v]));
  for (const [name, value] of Object.entries(SECRETS)) {
    assert.equal(redacted.get(name.toLowerCase()), `[redacted: ${value.length} bytes]`, name);
    assert.equal(shown.get(name.toLowerCase()), value, `${name} with --show-secrets`);
  }
  assert.equal(redacted.get('x-visible'), 'yes', 'other headers stay verbatim');
  await stopAll(plain, open);
});
