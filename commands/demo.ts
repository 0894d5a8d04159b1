import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { DemoCommandArgs } from '../src/cli/run/demo.js';

export const demoCommand: CommandModule<GlobalArgs, DemoCommandArgs> = {
  command: 'demo',
  describe: 'a local chain with one broken hop, found by bisect (what `npm start` runs)',
  builder: (y: Argv<GlobalArgs>) => y.example('$0 demo', 'four proxies and an echo endpoint in this process; hop 2 drops the upgrade') as Argv<DemoCommandArgs>,
  handler: async (args) => {
    const { runDemoCommand } = await import('../src/cli/run/demo.js');
    await runDemoCommand(args);
  },
};
