import { InputError, messageOf } from './errors.js';

let reported = false;

/**
 * The one place errors reach the user: `error: <message>` on stderr, exit code 2 for usage and
 * input errors, 1 otherwise; a stack only with --log-level debug/trace.
 */
export function reportFatal(msg: string | undefined | null, err: unknown, argv: string[]): void {
  if (reported) return;
  reported = true;
  const debug = argv.some((a, i) => /^--log-level=(debug|trace)$/.test(a) || (a === '--log-level' && /^(debug|trace)$/.test(argv[i + 1] ?? '')));
  // yargs reports usage errors with a message (and a YError); our own input errors are InputError.
  const isInput = err instanceof InputError || Boolean(msg) || (err instanceof Error && err.name === 'YError');
  const text = msg ?? messageOf(err);
  process.stderr.write(`error: ${firstLine(text)}${isInput ? '\n' : ' (unexpected; rerun with --log-level debug)\n'}`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  process.exitCode = isInput ? 2 : 1;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}
