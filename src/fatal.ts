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
  const text = explainUsage(msg ?? messageOf(err), argv);
  // yargs lays its own messages out over lines; in ours a line break can only come from a value.
  const usage = Boolean(msg) || (err instanceof InputError && err.code === 'ERR_USAGE') || (err instanceof Error && err.name === 'YError');
  process.stderr.write(`error: ${escapeControls(usage ? oneLine(text) : text)}${isInput ? '\n' : ' (unexpected; rerun with --log-level debug)\n'}`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  process.exitCode = isInput ? 2 : 1;
}

/** yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): keep them all, on one. */
function oneLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
}

/**
 * A value with CR/LF, ESC or NUL in it must neither break the one-line error nor drive the
 * terminal: show those characters as JSON escapes (`a\nb`), as the value would be written in JSON.
 */
export function escapeControls(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\u007f' ? '\\u007f' : JSON.stringify(c).slice(1, -1)));
}

/** recommendCommands() reports only "Did you mean echo?": say which word was not a command. */
function explainUsage(text: string, argv: string[]): string {
  const typed = argv.find((a) => !a.startsWith('-'));
  if (/^Did you mean /.test(text) && typed) return `unknown command "${typed}": ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
  return text;
}
