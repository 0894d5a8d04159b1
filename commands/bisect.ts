import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { BisectCommandArgs } from '../src/cli/run/bisect.js';
import { withConnectionOptions } from '../src/cli/connection-options.js';
import { CHECK_LIMIT_OPTIONS } from '../src/cli/probe-limits.js';
import { LONG_CHECKS, QUICK_CHECKS } from '../src/probe/catalog.js';

export const bisectCommand: CommandModule<GlobalArgs, BisectCommandArgs> = {
  command: 'bisect [urls..]',
  describe: 'probe every hop of a path (outermost first) and name the broken link',
  builder: (y: Argv<GlobalArgs>) =>
    withConnectionOptions(y)
      .positional('urls', { type: 'string', array: true, describe: 'ws:// or wss:// URL of each hop, outermost (what clients use) first, the origin last' })
      .option('name', { type: 'string', array: true, describe: 'label for each URL, in order (default host:port)' })
      .option('at', { type: 'string', array: true, describe: 'with ONE URL: probe it at each of these addresses HOST:PORT, outermost first (same Host and SNI, like --connect-to per layer)' })
      .option('hop-header', { type: 'string', array: true, describe: 'header for one URL: INDEX:"Name: value", INDEX 1-based (e.g. 3:"Host: app.example")' })
      .option('strategy', { type: 'string', default: 'all', describe: 'all: probe every URL at once; binary: origin first, then halve (⌈log2 n⌉+1 probes)' })
      .option('repeat', { type: 'number', default: 1, describe: 'probes per URL (with --strategy all): finds intermittent hops' })
      .option('check', { type: 'string', array: true, describe: `run probe's check NAME at every URL at once and localise its outcome and figure (repeatable): ${QUICK_CHECKS}, ${LONG_CHECKS}` })
      .options(CHECK_LIMIT_OPTIONS)
      .example('$0 bisect wss://app.example/ws ws://10.0.0.5:8080/ws ws://127.0.0.1:9000/ws --name cdn --name lb --name app', 'which hop breaks the upgrade?')
      .example('$0 bisect ws://lb:80/ws ws://app-1:9000/ws --hop-header 2:"Host: app.example"', 'a hop reached directly needs the public Host')
      .example('$0 bisect wss://app.example/ws --at 10.0.0.2:443 --at 10.0.1.7:8443 --at 10.0.2.9:9000', 'one public URL, walked through the inner addresses of its path')
      .example('$0 bisect ws://lb:80/ws ws://app:9000/ws --repeat 10', 'find a flaky member of a pool')
      .example('$0 bisect ws://edge/ws ws://nginx/ws ws://app/ws --check idle-timeout --max-wait 90s', 'which hop cuts idle connections, and at what age?') as Argv<BisectCommandArgs>,
  handler: async (args) => {
    const { runBisectCommand } = await import('../src/cli/run/bisect.js');
    await runBisectCommand(args);
  },
};
