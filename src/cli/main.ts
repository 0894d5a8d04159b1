#!/usr/bin/env node
// The entry. Command modules are registered from an explicit list; each loads its heavy
// modules (ws, http-proxy, pino) inside its handler, so `wstrace --help` stays fast.
import { readFileSync } from 'node:fs';

const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
const version = typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : 'unknown';
const args = process.argv.slice(2);

// `wstrace … | head` closes our stdout early: that is the reader's choice, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// Fast path: `--version` must cost little more than starting node itself.
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(version + '\n');
} else {
  await main();
}

async function main(): Promise<void> {
  const [{ default: yargs }, { hideBin }, { commands }, { reportFatal }, { InputError }] = await Promise.all([
    import('yargs'),
    import('yargs/helpers'),
    import('../../commands/index.js'),
    import('./fatal.js'),
    import('../errors.js'),
  ]);
  const cli = yargs(joinDashValues(hideBin(process.argv)))
    .scriptName('wstrace')
    .usage('$0 <command> [options]\n\nFind where a WebSocket breaks on its way through proxies, load balancers and tunnels.')
    .option('json', { type: 'boolean', default: false, describe: 'one JSON object per line on stdout (docs/json.md)' })
    .option('log-level', { type: 'string', default: 'info', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], describe: 'log level (logs go to stderr)' })
    .option('timeout', { type: 'string', default: '5s', describe: 'deadline per phase: a number with ms, s, m or h (a bare number is refused, 0 aside)' })
    .option('color', { type: 'boolean', default: true, describe: 'colour PASS/WARN/FAIL and verdicts on a terminal (--no-color: never; a non-empty NO_COLOR also turns it off)' })
    .command(commands)
    .completion('completion', 'print a bash/zsh completion script (wstrace completion >> ~/.bashrc)')
    .demandCommand(1, `name a command: ${[...commands.map((c) => String(c.command).split(' ')[0]), 'completion'].join(', ')}`)
    .strict()
    .recommendCommands()
    .version(version)
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    // Throwing stops yargs from running the handler after a usage error.
    .fail((msg, err) => {
      throw msg ? new InputError('ERR_USAGE', msg) : err;
    })
    .exitProcess(false);
  // yargs renders the whole help text right after it starts a command's handler, to have it at
  // hand for a later showHelp(). We never show help after a handler ran (errors are one line),
  // and that render (cliui, wrap-ansi, string-width) cost 40-80 ms of every one-shot run.
  // getInternalMethods() is yargs' own hook, undocumented: if it goes, help is rendered again.
  if (!wantsHelp(args)) {
    const usage = (cli as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.().getUsageInstance?.();
    if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {};
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    reportFatal(undefined, err, args);
  }
}

/** Help is printed for -h/--help anywhere before a `--` (yargs' own rule). */
function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * `--timeout -5s` or `--fault -1:hang`: yargs would read a value starting with "-" as short flags
 * (-5 -s) and answer "Unknown arguments: 5, s". Glue it to its option (`--timeout=-5s`) so the
 * option's own check names it. Boolean flags take no value and are left alone.
 */
function joinDashValues(argv: string[]): string[] {
  const flags = new Set([
    '--json', '--binary', '--inspect', '--deflate', '--no-deflate', '--insecure', '--trace-frames', '--xfwd', '--all', '--show-secrets', '--help', '--version',
    '--color', '--no-color', '--exit-on-eof', '--show-ping-pong', '--quiet', '--verbose', '--location',
  ]);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    // `-x -` (read stdin, wscat/curl's habit): yargs takes a lone "-" for an unknown argument.
    if ((a === '-x' || a === '--execute') && next === '-') {
      out.push('--execute=-');
      i++;
      continue;
    }
    if (/^--[a-z][\w-]*$/.test(a) && !flags.has(a) && next !== undefined && /^-[^-]/.test(next) && !/^-[hV]$/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}
