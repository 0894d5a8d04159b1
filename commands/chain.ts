import type { Argv, CommandModule } from 'yargs';
import { faultHelpMiddleware, type GlobalArgs } from '../src/cli/options.js';
import type { ChainCommandArgs } from '../src/cli/run/chain.js';

export const chainCommand: CommandModule<GlobalArgs, ChainCommandArgs> = {
  command: 'chain [file]',
  describe: 'start an echo endpoint behind N test proxies in one process (a whole path to break on purpose)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('file', { type: 'string', describe: 'JSON topology (see fixtures/*.json): endpoint, hops with faults, expected verdict' })
      .option('hops', { type: 'number', describe: 'number of proxies without a FILE (default 2)' })
      .option('fault', { type: 'string', array: true, describe: 'INDEX:SPEC — fault SPEC on hop INDEX (1 = outermost; repeatable; --fault help lists the kinds)' })
      .middleware(faultHelpMiddleware, true)
      .option('name-prefix', { type: 'string', default: 'hop-', describe: 'hop names are <prefix>1, <prefix>2… (outermost first)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address every layer listens on' })
      .option('api', { type: 'string', describe: 'serve the fault control API on PORT or HOST:PORT (loopback; off by default; see docs/api-faults.md)' })
      .option('api-host', { type: 'string', describe: 'bind the control API to this non-loopback address (it has no authentication)' })
      .option('seed', { type: 'number', describe: 'seed for toxicity draws, to replay a run (default random)' })
      .option('trace-frames', { type: 'boolean', default: false, describe: 'print every WebSocket frame every hop sees' })
      .example('$0 chain --hops 3 --fault 2:strip-upgrade', 'three hops; the middle one drops Upgrade/Connection')
      .example('$0 chain fixtures/nginx-idle-60s.json --json', 'a real case from the catalogue, NDJSON') as Argv<ChainCommandArgs>,
  handler: async (args) => {
    const { runChainCommand } = await import('../src/cli/run/chain.js');
    await runChainCommand(args);
  },
};
