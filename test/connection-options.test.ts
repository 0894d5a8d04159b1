/**
 * One option set (issue 11): every command that connects takes the same connection options from
 * src/cli/connection-options.ts, so an option added there reaches client, bisect and probe at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, startCliServer, resultOf } from './helpers/cli.js';
import { CONNECTION_OPTIONS } from '../src/cli/connection-options.js';

describe('the shared connection options', { concurrency: 3 }, () => {
  for (const command of ['client', 'bisect', 'probe']) {
    it(`${command} --help lists every connection option`, async () => {
      const r = await runCli([command, '--help'], { timeoutMs: 15_000 });
      assert.equal(r.code, 0, r.stderr);
      const missing = Object.keys(CONNECTION_OPTIONS).filter((k) => !r.stdout.includes(`--${k}`));
      assert.deepEqual(missing, []);
    });
  }

  it('bisect passes --subprotocol and --origin to every probe (the endpoint accepts only that subprotocol)', async (t) => {
    const echo = await startCliServer(t, ['echo', '--port', '0', '--subprotocol', 'chat.v1', '--json']);
    const without = await runCli(['bisect', echo.url, '--json'], { timeoutMs: 20_000 });
    assert.equal(without.code, 0, without.stdout + without.stderr);
    const r = await runCli(['bisect', echo.url, '--subprotocol', 'chat.v2', '--origin', 'https://app.example', '--json'], { timeoutMs: 20_000 });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(resultOf(r.stdout).verdict?.code, 'subprotocol-mismatch');
  });
});
