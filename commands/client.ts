import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { ClientCommandArgs } from '../src/cli/run/client.js';
import { withConnectionOptions } from '../src/cli/connection-options.js';

export const clientCommand: CommandModule<GlobalArgs, ClientCommandArgs> = {
  command: 'client [url]',
  describe: 'connect, time every phase, echo, explain any failure; or talk: interactive, pipe, -x (docs/client.md)',
  builder: (y: Argv<GlobalArgs>) =>
    withConnectionOptions(y)
      .positional('url', { type: 'string', describe: 'ws:// or wss:// URL' })
      .option('connect', { alias: 'c', type: 'string', describe: 'the URL, as wscat takes it (instead of the positional URL)' })
      .option('count', { type: 'number', describe: 'messages to send (echo round trips), default 1 (0: handshake and close only); in load mode the total messages' })
      .option('interval', { type: 'string', default: '0ms', describe: 'pause between round trips' })
      .option('inspect', { type: 'boolean', default: false, describe: 'print the handshake the wstrace endpoint received' })
      .option('execute', { alias: 'x', type: 'string', array: true, describe: 'send this message (or /ping, /close CODE REASON…) after connecting, wait for the replies, close (repeatable; -x - reads stdin)' })
      .option('exit-on-eof', { type: 'boolean', default: false, describe: 'pipe mode and -x: close as soon as the input ends (default: first wait, at most --timeout, until as many replies came as messages went, then --wait)' })
      .option('ping-interval', { type: 'string', describe: 'interactive, pipe and -x: ping this often (e.g. 20s); an unanswered ping ends the session as half-open' })
      .option('show-ping-pong', { alias: 'P', type: 'boolean', default: false, describe: 'print the peer\'s pings and our keepalive pongs with their round-trip time' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'diagnosis: only the result line; interactive: only messages and failures' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'pipe mode and -x: also print the connection timeline on stderr' })
      .option('show-secrets', { type: 'boolean', default: false, describe: 'show Authorization, Cookie and Proxy-Authorization values in --inspect and /inspect (default: their length only)' })
      .option('concurrency', { type: 'number', describe: 'load mode: connections held open at once (default 1)' })
      .option('pipeline', { type: 'number', describe: 'load mode: messages in flight per connection (default 1; 128 with --rate)' })
      .option('rate', { type: 'number', describe: 'load mode: messages per second over all connections; latency counts from each intended send time' })
      .option('duration', { type: 'string', describe: 'load mode: stop after this long (default 10s when no --count)' })
      .example('$0 client ws://127.0.0.1:8080/echo --inspect', 'one echo, and the handshake as the endpoint saw it')
      .example('$0 client ws://127.0.0.1:8080/echo', 'on a terminal: type messages, /ping, /close 4000 bye')
      .example('echo \'{"a":1}\' | $0 client ws://127.0.0.1:8080/echo -x -', 'send stdin, print the replies, close')
      .example('$0 client wss://app.example/socket --expect any --wait 2s', 'a real app: print what it sends, prove it alive with a ping')
      .example('$0 client wss://example.test/ws --count 5 --interval 1s --json', 'five echoes, NDJSON')
      .example('$0 client ws://127.0.0.1:8080/echo --concurrency 50 --pipeline 8 --size 1k --duration 10s', 'load: 50 connections, 8 in flight each, for 10 s') as Argv<ClientCommandArgs>,
  handler: async (args) => {
    const { runClientCommand } = await import('../src/cli/run/client.js');
    await runClientCommand(args);
  },
};
