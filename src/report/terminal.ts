/**
 * The one place human lines meet a terminal: they are wrapped to its width with a hanging indent
 * and, on a TTY only, the words a reader scans for (PASS/WARN/FAIL, verdict, ok) are coloured.
 * Renderers stay plain text; every human writer goes through `terminalWriter`.
 */
import type { Writer } from './reporter.js';

export interface TerminalStyle {
  /** ANSI colour on: a TTY, NO_COLOR unset or empty, no --no-color. */
  color: boolean;
  /** Wrap lines to this many columns; undefined: do not wrap (piped output without COLUMNS). */
  width: number | undefined;
}

interface Stream {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Width: the terminal's own (`columns`), else `COLUMNS`, else 80 on a terminal that does not say.
 * Output piped to a file or grep without `COLUMNS` is not wrapped, so a grep sees whole lines.
 * Colour follows https://no-color.org: any non-empty NO_COLOR turns it off, as does --no-color.
 */
export function styleFor(stream: Stream, env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): TerminalStyle {
  const tty = stream.isTTY === true;
  const noColor = (env.NO_COLOR ?? '') !== '' || argv.some((a) => a === '--no-color' || a === '--color=false');
  const columns = Number(env.COLUMNS);
  let width: number | undefined;
  if (tty && stream.columns && stream.columns > 0) width = stream.columns;
  else if (Number.isInteger(columns) && columns > 0) width = columns;
  else if (tty) width = 80;
  return { color: tty && !noColor, width };
}

const STAMP = /^(\s*)(\[\s*\d+\.\d{3}\] )/;

/**
 * Continuation lines start under the text after the `[  0.007] ` stamp; a line without a stamp
 * continues two columns in from its own indent. Never more than half the width.
 */
function hangingIndent(line: string, width: number): number {
  const m = STAMP.exec(line);
  const indent = m ? m[0].length : (/^ */.exec(line)![0].length + 2);
  return Math.min(indent, Math.floor(width / 2));
}

/** Breaks `line` at spaces so that no piece is longer than `width`; a longer word is cut. */
export function wrapLine(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const pad = ' '.repeat(hangingIndent(line, width));
  const out: string[] = [];
  let rest = line;
  let prefix = '';
  // The first piece may not break inside its own leading indent (or stamp).
  let minBreak = pad.length;
  while (prefix.length + rest.length > width) {
    const room = width - prefix.length;
    let cut = rest.lastIndexOf(' ', room);
    if (cut < 1 || cut <= minBreak - prefix.length) cut = room;
    out.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ +/, '');
    prefix = pad;
    minBreak = 0;
  }
  if (rest.length) out.push(prefix + rest);
  return out;
}

const SGR = { red: '31', green: '32', yellow: '33', boldRed: '1;31' } as const;
const paint = (code: string, s: string) => `\x1b[${code}m${s}\x1b[0m`;

/** The tokens a reader scans for, only where renderers put them (after a stamp or indent). */
const TOKENS: [RegExp, string][] = [
  [/^(\s*(?:\[\s*\d+\.\d{3}\] )?)(PASS)\b/, SGR.green],
  [/^(\s*(?:\[\s*\d+\.\d{3}\] )?)(WARN)\b/, SGR.yellow],
  [/^(\s*(?:\[\s*\d+\.\d{3}\] )?)(FAIL)\b/, SGR.red],
  [/^(\s*(?:\[\s*\d+\.\d{3}\] )?)(ok:)/, SGR.green],
  [/^(\s*)(verdict:|break between)/, SGR.boldRed],
  [/^(\s*\[\s*\d+\.\d{3}\] \S+\s+)(FAILED|NO ANSWER|MISMATCH)\b/, SGR.red],
];

export function colorize(line: string): string {
  for (const [re, code] of TOKENS) {
    const m = re.exec(line);
    if (m) return m[1]! + paint(code, m[2]!) + line.slice(m[0].length);
  }
  return line;
}

/** Carriage return and erase-line: how a transient line (progress, status) redraws itself. */
const REDRAW = /^(?:\r|\x1b\[2K)+/;

/**
 * Wraps and colours every line of `text` for `style`. A last piece without a newline is a
 * transient line redrawn in place: wrapping would leave its first half behind, so it is cut.
 */
export function styleText(text: string, style: TerminalStyle): string {
  const endsWithNewline = text.endsWith('\n');
  const pieces = (endsWithNewline ? text.slice(0, -1) : text).split('\n');
  const out = pieces.map((piece, i) => {
    const redraw = REDRAW.exec(piece)?.[0] ?? '';
    const line = piece.slice(redraw.length);
    const transient = i === pieces.length - 1 && !endsWithNewline;
    let lines = [line];
    if (style.width && line.length > style.width) lines = transient ? [`${line.slice(0, style.width - 1)}…`] : wrapLine(line, style.width);
    return redraw + (style.color ? lines.map(colorize) : lines).join('\n');
  });
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/** A Writer to `stream` (stdout by default) that wraps and colours human lines. */
export function terminalWriter(stream: NodeJS.WriteStream = process.stdout, style: TerminalStyle = styleFor(stream)): Writer {
  return (text) => {
    stream.write(styleText(text, style));
  };
}
