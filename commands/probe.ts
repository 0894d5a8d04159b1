import type { Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/options.js';
import type { ProbeCommandArgs } from '../src/cli/run/probe.js';
import { withConnectionOptions } from '../src/cli/connection-options.js';
import { CHECK_LIMIT_OPTIONS } from '../src/cli/probe-limits.js';
import { LONG_CHECKS, QUICK_CHECKS, checkListMiddleware } from '../src/probe/catalog.js';

export const probeCommand: CommandModule<GlobalArgs, ProbeCommandArgs> = {
  command: 'probe [url]',
  describe: 'adversarial checks over a raw connection: one PASS/WARN/FAIL row each',
  builder: (y: Argv<GlobalArgs>) =>
    withConnectionOptions(y)
      .positional('url', { type: 'string', describe: 'ws:// or wss:// URL (not with --list)' })
      .option('check', { type: 'string', array: true, describe: `run this check (repeatable; --list says what each does). Quick (the default set): ${QUICK_CHECKS}. Long: ${LONG_CHECKS}` })
      .option('list', { type: 'boolean', default: false, describe: 'list every check, what it needs to PASS and its figure, then exit' })
      .middleware(checkListMiddleware, true)
      .option('all', { type: 'boolean', default: false, describe: 'run every check, the long ones too' })
      .options(CHECK_LIMIT_OPTIONS)
      .example('$0 probe ws://127.0.0.1:8080/echo', 'every quick check')
      .example('$0 probe ws://127.0.0.1:9000/echo --check idle-timeout --keepalive 20s --max-wait 90s', 'find a hop\'s idle timeout; do pings keep it alive?')
      .example('$0 probe wss://example.test/ws --all --json', 'every check, NDJSON') as Argv<ProbeCommandArgs>,
  handler: async (args) => {
    const { runProbeCommand } = await import('../src/cli/run/probe.js');
    await runProbeCommand(args);
  },
};
