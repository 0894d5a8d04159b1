import { InputError, WstraceError, messageOf } from '../errors.js';
import type { ErrorEvent } from '../events.js';

let reported = false;

/**
 * The one place errors reach the user: `error: <message>` on stderr, exit code 2 for usage and
 * input errors, 1 otherwise; a stack only with --log-level debug/trace. Under --json the same
 * error is also the stream's last line, an `error` event, so a consumer of stdout sees why it ended.
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
  const line = usage ? oneLine(text) : text;
  process.stderr.write(`error: ${escapeControls(line)}${isInput ? '\n' : ' (unexpected; rerun with --log-level debug)\n'}`);
  if (argv.some((a) => a === '--json' || a === '--json=true')) {
    const ev: ErrorEvent = { event: 'error', code: err instanceof WstraceError ? err.code : isInput ? 'ERR_USAGE' : 'ERR_UNEXPECTED', message: line, exitCode: isInput ? 2 : 1 };
    process.stdout.write(JSON.stringify(ev) + '\n');
  }
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
