import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { WatchCommandArgs } from '../src/cli/run/watch.js';
import { withConnectionOptions } from '../src/cli/connection-options.js';

export const watchCommand: CommandModule<GlobalArgs, WatchCommandArgs> = {
  command: 'watch <url>',
  describe: 'hold connections for hours and say when, how and why the path drops them',
  builder: (y: Argv<GlobalArgs>) =>
    withConnectionOptions(y)
      .positional('url', { type: 'string', demandOption: true, describe: 'ws:// or wss:// URL' })
      .option('pattern', {
        type: 'string', array: true,
        describe: 'traffic of a held connection (repeatable; default all): silent, ping (both ways), pong (client→server only), message (--message, --size, --binary)',
      })
      .option('per-pattern', { type: 'number', default: 1, describe: 'connections held per pattern (1–10; they start 0.4 s apart)' })
      .option('interval', { type: 'string', default: '1s', describe: 'traffic period of the ping, pong and message patterns' })
      .option('every', { type: 'string', default: '10s', describe: 'open (and close) a fresh connection this often, to time handshakes' })
      .option('for', { type: 'string', describe: 'stop after this long (default: until Ctrl-C)' })
      .option('summary', { type: 'string', default: '60s', describe: 'print a summary this often' })
      .option('fail-on', {
        type: 'string', array: true,
        describe: 'exit 1 if, at the end, this holds (repeatable): drop, limit<DURATION, handshake-failures>PERCENT%',
      })
      .option('metrics', { type: 'string', describe: 'serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464)' })
      .example('$0 watch wss://example.test/ws --for 1h --fail-on drop', 'a health check: exit 1 if any held connection dropped')
      .example('$0 watch ws://127.0.0.1:9000/echo --metrics 127.0.0.1:9464 --json', 'NDJSON events, metrics for Prometheus') as Argv<WatchCommandArgs>,
  handler: async (args) => {
    const { runWatchCommand } = await import('../src/cli/run/watch.js');
    await runWatchCommand(args);
  },
};
