/** Plain-text helpers for terminal output that has no reporter (help listings). */

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && [...line].length + 1 + [...word].length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** `name` then `text` wrapped beside it, every line after the first indented to the same column. */
export function hanging(name: string, text: string, col: number, width: number): string[] {
  return wrapWords(text, Math.max(20, width - col)).map((l, i) => `${(i === 0 ? name : '').padEnd(col)}${l}`);
}
