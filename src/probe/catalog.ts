/**
 * Every probe check by name — what it needs to PASS and the figure it reports — with no check
 * code: the one source of `probe --help`, `probe --list`, `bisect --check`'s help and the table
 * in docs/commands.md (rendered by checksTable; test/docs-tables.test.ts keeps it current). Each
 * check's implementation takes its name and kind from here (checkInfo).
 */
import { hanging } from '../text.js';

export interface CheckInfo {
  name: string;
  /** The HTTP version the check runs over: `probe --http 2` runs the `2` ones instead. */
  http: '1.1' | '2';
  /** Long checks wait for the peer or path to act on its own: they run only when asked. */
  long: boolean;
  /** Moves a lot of bytes: starts after the other quick checks, so it cannot skew their timings. */
  heavy: boolean;
  /** What PASS means (markdown: backticks for literals). */
  passWhen: string;
  /** The figure the check reports. */
  figure: string;
}

const VIOLATION = 'promptly; WARN when it ignores the frame (keeps echoing), closes with another code or drops TCP without a close frame; FAIL when nothing happens within `--timeout`';

const quick = (name: string, passWhen: string, figure: string, heavy = false): CheckInfo => ({ name, http: '1.1', long: false, heavy, passWhen, figure });
const long = (name: string, passWhen: string, figure: string): CheckInfo => ({ name, http: '1.1', long: true, heavy: false, passWhen, figure });
const h2 = (name: string, passWhen: string, figure: string): CheckInfo => ({ name, http: '2', long: false, heavy: false, passWhen, figure });

/** In report order: quick checks, long checks, then the HTTP/2 ones. */
export const CHECK_INFO: readonly CheckInfo[] = [
  quick('handshake', 'the 101 is valid (status line, `Upgrade`, `Connection`, one correct `Sec-WebSocket-Accept`, no unrequested extension) and Firefox\'s `Connection: keep-alive, Upgrade` is accepted too; a sloppy head (bare LF, folded lines) WARNs', 'upgrade ms'),
  quick('echo', 'text, binary, empty, 125/126/65535/65536-byte messages (the RFC 6455 §5.2 length boundaries), a 3-frame fragmented message and a ping between fragments all come back intact', 'cases'),
  quick('ping', 'a ping gets a pong with the same payload; an unsolicited pong is ignored (§5.5.3)', 'pong ms'),
  quick('close-reply', 'our close 1000 is answered by a close frame and the peer closes TCP within `--timeout`; FAIL with the wait = the deadline when nothing comes', 'ms'),
  quick('max-message', 'messages up to `--max-size` echo; otherwise a binary search (a fresh connection after each failed size) FAILs with the exact largest size and the close code', 'bytes', true),
  quick('invalid-utf8', `a text message that is not UTF-8: the peer fails the connection with 1007 ${VIOLATION}`, 'ms'),
  quick('reserved-opcode', `a frame with reserved opcode 0x3: the peer fails the connection with 1002 ${VIOLATION}`, 'ms'),
  quick('unmasked-client-frame', `an unmasked frame from the client: the peer fails the connection with 1002 ${VIOLATION}`, 'ms'),
  quick('oversized-control', `a ping with a 126-byte payload: the peer fails the connection with 1002 ${VIOLATION}`, 'ms'),
  quick('compression', 'permessage-deflate (RFC 7692) is declined, or negotiated with valid parameters and compressed echoes (context takeover, and a plain message in between) survive', '`on`/`off`'),
  quick('subprotocol', 'the 101 chooses one of the `--subprotocol` offers (WARN: none; FAIL: one not offered, or — with a wstrace endpoint — the header never reached it)', 'the name'),
  long('unanswered-close', 'the peer starts a close (ours is asked with `wstrace:close`, others are waited for), we never answer, and it drops TCP anyway; FAIL if still open `--max-wait` after its close frame (or after the bound our endpoint announces in the close reason, if longer)', 's'),
  long('silent-after-upgrade', 'the peer or path drops a client that goes mute (no frames, no pongs); WARN if still open at `--max-wait`', 's'),
  long('idle-timeout', 'nothing closes an idle connection within `--max-wait`; otherwise the idle age and how: with a close frame (WARN) or a bare drop, 1006 (FAIL). `--keepalive D` adds two connections at once, one pinging every D and one sending bare pongs every D, which tells whether pings help and which direction\'s traffic resets the hop\'s timer', 's'),
  h2('h2-extended-connect', 'the server advertises extended CONNECT (RFC 8441 §3) and answers a WebSocket CONNECT with `:status 200`', 'ms'),
  h2('h2-multiplex', '4 WebSockets on one h2 connection each echo at the same time', 'streams'),
  h2('h2-bad-frame', 'a frame with a reserved opcode fails that WebSocket (close 1002 or `RST_STREAM`) and leaves the other streams working', 'ms'),
  h2('h2-flow-control', 'a 256 KiB message (more than the 64 KiB initial window) is echoed: `WINDOW_UPDATE`s flow both ways', 'bytes'),
];

/** A check's name and kind, for its implementation to spread: `{ ...checkInfo('ping'), run }`. */
export function checkInfo(name: string): Pick<CheckInfo, 'name' | 'long' | 'heavy'> {
  const info = CHECK_INFO.find((c) => c.name === name);
  if (!info) throw new Error(`no check "${name}" in src/probe/catalog.ts`);
  return { name: info.name, long: info.long, heavy: info.heavy };
}

const names = (pick: (c: CheckInfo) => boolean) => CHECK_INFO.filter(pick).map((c) => c.name).join(', ');
/** For --help texts. */
export const QUICK_CHECKS = names((c) => c.http === '1.1' && !c.long);
export const LONG_CHECKS = names((c) => c.http === '1.1' && c.long);
export const H2_CHECK_NAMES = names((c) => c.http === '2');

const kindOf = (c: CheckInfo) => (c.http === '2' ? '`--http 2`' : c.long ? 'long' : 'quick');

/** The checks table of docs/commands.md. */
export function checksTable(): string {
  const rows = CHECK_INFO.map((c) => `| \`${c.name}\` | ${kindOf(c)} | ${c.passWhen.replace(/\|/g, '\\|')} | ${c.figure} |`);
  return ['| check | kind | PASS when | figure |', '|---|---|---|---|', ...rows].join('\n');
}

/** `probe --list`: one block per check, wrapped to `width` columns. */
export function checkList(width = 80): string {
  const col = Math.max(...CHECK_INFO.map((c) => c.name.length)) + 4;
  const lines: string[] = [];
  for (const [title, pick] of [
    ['quick checks (the default set):', (c: CheckInfo) => c.http === '1.1' && !c.long],
    ['long checks (wait on the peer; --check NAME or --all):', (c: CheckInfo) => c.http === '1.1' && c.long],
    ['HTTP/2 checks (--http 2):', (c: CheckInfo) => c.http === '2'],
  ] as const) {
    lines.push(lines.length ? '' : '', title);
    for (const c of CHECK_INFO.filter(pick)) {
      const text = `${c.passWhen.replace(/`/g, '')} [${c.figure.replace(/`/g, '')}]`;
      lines.push(...hanging(`  ${c.name}`, text, col, width));
    }
  }
  return lines.slice(1).join('\n');
}


/** `probe --list`: print the checks and exit 0, before yargs asks for a URL. */
export function checkListMiddleware(argv: { list?: boolean }): void {
  if (!argv.list) return;
  process.stdout.write(`${checkList(process.stdout.columns || Number(process.env.COLUMNS) || 80)}\n`);
  process.exit(0);
}
