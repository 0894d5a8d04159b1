import type { Argv, CommandModule } from 'yargs';
import { faultHelpMiddleware, type GlobalArgs } from '../src/cli/options.js';
import type { ProxyCommandArgs } from '../src/cli/run/proxy.js';

export const proxyCommand: CommandModule<GlobalArgs, ProxyCommandArgs> = {
  command: 'proxy',
  describe: 'chainable test proxy: tags its hop in Via, can inject real proxies\' faults',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('target', { type: 'string', array: true, demandOption: true, describe: 'upstream: ws://host:port keeps the client\'s path; ws://host:port/path is used as written (client query appended); ws+unix:/sock:/path (repeat for round-robin)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
      .option('port', { type: 'number', default: 0, describe: 'port (0 picks a free one)' })
      .option('listen', { type: 'string', describe: 'listen on a unix socket instead: unix:PATH (removed on stop)' })
      .option('name', { type: 'string', describe: 'this hop\'s name in Via (default proxy-<port>)' })
      .option('fault', { type: 'string', array: true, describe: 'inject a fault: kind, kind=value or kind:k=v,… (repeatable; --fault help lists the kinds)' })
      .middleware(faultHelpMiddleware, true)
      .option('trace-frames', { type: 'boolean', default: false, describe: 'log every WebSocket frame in both directions' })
      .option('upstream-http', { type: 'string', default: '1.1', describe: 'HTTP version to the upstream: 1.1 (Upgrade), 2 (RFC 8441 extended CONNECT; h2c for ws://) or same (as the client spoke). Clients may use either' })
      .option('api', { type: 'string', describe: 'serve the fault control API on PORT or HOST:PORT (loopback; off by default; see docs/api-faults.md)' })
      .option('api-host', { type: 'string', describe: 'bind the control API to this non-loopback address (it has no authentication)' })
      .option('seed', { type: 'number', describe: 'seed for toxicity draws, to replay a run (default random)' })
      .option('xfwd', { type: 'boolean', default: false, describe: 'add X-Forwarded-For/-Host/-Proto' })
      .example('$0 proxy --target ws://127.0.0.1:8080 --name edge', 'one hop in front of the echo endpoint')
      .example('$0 proxy --target ws://127.0.0.1:8080 --fault strip-upgrade', 'behave like a proxy that drops Upgrade/Connection') as Argv<ProxyCommandArgs>,
  handler: async (args) => {
    const { runProxyCommand } = await import('../src/cli/run/proxy.js');
    await runProxyCommand(args);
  },
};
