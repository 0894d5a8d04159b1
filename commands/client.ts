import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli-options.js';
import type { ClientCommandArgs } from '../src/run/client.js';

export const clientCommand: CommandModule<GlobalArgs, ClientCommandArgs> = {
  command: 'client <url>',
  describe: 'connect, time every phase, echo, and explain any failure',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('url', { type: 'string', demandOption: true, describe: 'ws:// or wss:// URL' })
      .option('message', { type: 'string', describe: 'text to echo (default "hello from wstrace")' })
      .option('count', { type: 'number', describe: 'echo round trips, default 1 (0: handshake and close only); in load mode the total messages' })
      .option('interval', { type: 'string', default: '0ms', describe: 'pause between round trips' })
      .option('size', { type: 'string', describe: 'send generated messages of this many bytes (k/M) instead of --message' })
      .option('binary', { type: 'boolean', default: false, describe: 'send binary messages' })
      .option('header', { type: 'string', array: true, describe: 'extra request header "Name: value" (repeatable)' })
      .option('subprotocol', { type: 'string', array: true, describe: 'offer this subprotocol (repeatable)' })
      .option('origin', { type: 'string', describe: 'send this Origin header' })
      .option('inspect', { type: 'boolean', default: false, describe: 'print the handshake the wstrace endpoint received' })
      .option('deflate', { type: 'boolean', default: true, describe: 'offer permessage-deflate (--no-deflate to not)' })
      .option('insecure', { type: 'boolean', default: false, describe: 'do not verify the TLS certificate' })
      .option('ca', { type: 'string', describe: 'PEM file of CA certificates to trust' })
      .option('http', { type: 'string', describe: 'HTTP version of the handshake: 1.1 (default), 2 (RFC 8441 extended CONNECT; h2c for ws://), auto (h2 when offered, like a browser)' })
      .option('http2', { type: 'boolean', describe: 'same as --http 2' })
      .option('concurrency', { type: 'number', describe: 'load mode: connections held open at once (default 1)' })
      .option('pipeline', { type: 'number', describe: 'load mode: messages in flight per connection (default 1; 128 with --rate)' })
      .option('rate', { type: 'number', describe: 'load mode: messages per second over all connections; latency counts from each intended send time' })
      .option('duration', { type: 'string', describe: 'load mode: stop after this long (default 10s when no --count)' })
      .example('$0 client ws://127.0.0.1:8080/echo --inspect', 'one echo, and the handshake as the endpoint saw it')
      .example('$0 client wss://example.test/ws --http auto', 'open it the way a browser does: HTTP/2 when offered, else HTTP/1.1')
      .example('$0 client wss://example.test/ws --count 5 --interval 1s --json', 'five echoes, NDJSON')
      .example('$0 client ws://127.0.0.1:8080/echo --concurrency 50 --pipeline 8 --size 1k --duration 10s', 'load: 50 connections, 8 in flight each, for 10 s') as Argv<ClientCommandArgs>,
  handler: async (args) => {
    const { runClientCommand } = await import('../src/run/client.js');
    await runClientCommand(args);
  },
};
