import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { FaultCommandArgs } from '../src/cli/run/fault.js';

export const faultCommand: CommandModule<GlobalArgs, FaultCommandArgs> = {
  command: 'fault <action> [spec..]',
  describe: 'list, add, remove or reset a running proxy\'s or chain\'s faults through its control API (--api)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('action', { type: 'string', choices: ['ls', 'add', 'rm', 'reset'], describe: 'ls: faults and counters; add SPEC; rm NAME; reset: remove all' })
      .positional('spec', { type: 'string', array: true, describe: 'add: the fault SPEC (words are joined: latency=300ms stream=down); rm: the fault NAME' })
      .option('api', { type: 'string', demandOption: true, describe: 'the control API URL the proxy or chain printed (http://127.0.0.1:PORT)' })
      .option('hop', { type: 'string', describe: 'the hop (needed for add/rm on a chain; default: the only hop)' })
      .option('name', { type: 'string', describe: 'add: the fault\'s name (default its kind)' })
      .example('$0 fault add --api http://127.0.0.1:8474 latency=300ms stream=down', 'slow the downstream of every tunnel, open ones included')
      .example('$0 fault rm --api http://127.0.0.1:8474 latency', 'and take it away again') as Argv<FaultCommandArgs>,
  handler: async (args) => {
    const { runFaultCommand } = await import('../src/cli/run/fault.js');
    await runFaultCommand(args);
  },
};
