// `wstrace watch` refuses bad input with one line and exit 2, before opening any connection.
import { describe, it } from 'node:test';
import net from 'node:net';
import { assertInputError, runCli } from './helpers/cli.js';

const URL_OK = 'ws://127.0.0.1:9/echo';

const CASES: [string, string[], string | RegExp][] = [
  ['http:// URL', ['watch', 'http://127.0.0.1:9/echo'], 'ws://127.0.0.1:9/echo'],
  ['unknown --pattern', ['watch', URL_OK, '--pattern', 'noisy'], '"noisy"'],
  ['--per-pattern 0', ['watch', URL_OK, '--per-pattern', '0'], '--per-pattern'],
  ['--per-pattern 11', ['watch', URL_OK, '--per-pattern', '11'], '1 to 10'],
  ['--interval 0', ['watch', URL_OK, '--interval', '0'], '--interval'],
  ['--every not a duration', ['watch', URL_OK, '--every', 'often'], '"often"'],
  ['--for not a duration', ['watch', URL_OK, '--for', 'ever'], '"ever"'],
  ['--fail-on unknown', ['watch', URL_OK, '--fail-on', 'sometimes'], /"sometimes".*drop, limit<DURATION/],
  ['--fail-on limit with a bad duration', ['watch', URL_OK, '--fail-on', 'limit<soon'], '"soon"'],
  ['--fail-on rate of 100 %', ['watch', URL_OK, '--fail-on', 'handshake-failures>100%'], 'below 100%'],
  ['--metrics without a port', ['watch', URL_OK, '--metrics', 'localhost'], '"localhost"'],
  ['--expect (watch compares no replies)', ['watch', URL_OK, '--expect', 'echo'], '--expect'],
  ['--subprotocol not a token', ['watch', URL_OK, '--subprotocol', 'a b'], '"a b"'],
  ['proxy --fault drain without a period', ['proxy', '--port', '0', '--target', URL_OK, '--fault', 'drain'], /"drain".*period/],
];

describe('watch: bad input → one line, exit 2', { concurrency: 4 }, () => {
  for (const [what, args, mention] of CASES) {
    it(what, async () => {
      assertInputError(await runCli(args, { timeoutMs: 15_000 }), mention);
    });
  }

  it('--metrics on a port another server holds', async (t) => {
    const holder = net.createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    t.after(() => holder.close());
    const port = (holder.address() as net.AddressInfo).port;
    assertInputError(await runCli(['watch', URL_OK, '--metrics', `127.0.0.1:${port}`], { timeoutMs: 15_000 }), `port ${port}`);
  });
});
