import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { EchoCommandArgs as EchoArgs } from '../src/cli/run/echo.js';

export const echoCommand: CommandModule<GlobalArgs, EchoArgs> = {
  command: 'echo',
  describe: 'WebSocket echo endpoint that reports the handshake it received',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('port', { type: 'number', default: 8080, describe: 'port (0 picks a free one)' })
      .option('listen', { type: 'string', describe: 'listen on a unix socket instead: unix:PATH (removed on stop)' })
      .option('path', { type: 'string', default: '/echo', describe: 'canonical path to print (echoes on any path)' })
      .option('name', { type: 'string', default: 'echo', describe: 'name in the X-Wstrace-Endpoint marker and reports' })
      .option('subprotocol', { type: 'string', array: true, describe: 'accept this subprotocol (repeatable)' })
      .option('max-payload', { type: 'string', default: '16M', describe: 'largest message accepted, bytes (k/M); larger closes 1009' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve wss://' })
      .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
      .option('show-secrets', { type: 'boolean', default: false, describe: 'show Authorization, Cookie and Proxy-Authorization values in inspect reports (default: length only)' })
      .option('tls-client-ca', { type: 'string', describe: 'PEM CA file: require a client certificate it signed (mTLS; needs --tls-cert)' })
      .example('$0 echo --port 0', 'echo on a free port')
      .example('$0 echo --subprotocol chat.v1 --max-payload 64k', 'accept one subprotocol, cap messages') as Argv<EchoArgs>,
  handler: async (args) => {
    const { runEchoCommand } = await import('../src/cli/run/echo.js');
    await runEchoCommand(args);
  },
};
