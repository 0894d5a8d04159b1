/**
 * `wstrace client URL` as an everyday client: interactive on a terminal, a pipe otherwise, or
 * the messages of `-x`. Builds the action source (prompt, stdin, list), routes the output
 * (stdout for messages, stderr for diagnostics in pipe mode) and sets the exit code.
 */
import { fstatSync } from 'node:fs';
import readline from 'node:readline';
import { InputError, messageOf } from '../../errors.js';
import { list } from '../options.js';
import { parseDuration } from '../../net/duration.js';
import { parseLine, SLASH_HELP, type Action } from '../../client/slash.js';
import { runSession, type ActionSource, type SessionOptions } from '../../client/session.js';
import type { Reporter, SessionEvent } from '../../events.js';
import { humanReporter, jsonReporter } from '../../report/reporter.js';
import { renderSessionEvent, rawPayload } from '../../report/session.js';
import { terminalWriter } from '../../report/terminal.js';
import type { ClientCommandArgs } from './client-args.js';

export type DataMode = 'interactive' | 'pipe' | 'execute';

/** Longest --ping-interval: a keepalive, not a schedule. */
const MAX_PING_INTERVAL_MS = 10 * 60_000;


/**
 * Which everyday mode, if any: `-x` always; otherwise only when nothing asks for the diagnosis
 * (--message, --count, --size, --inspect, --expect, --json): a terminal on stdin is interactive,
 * a pipe or a file is pipe mode, anything else (/dev/null, a closed stdin) runs the diagnosis.
 */
export function dataModeOf(args: ClientCommandArgs): DataMode | undefined {
  const execute = list(args.execute);
  const diagnosis = (['message', 'count', 'size', 'expect'] as const).filter((k) => args[k] !== undefined).map((k) => `--${k}`);
  if (args.inspect) diagnosis.push('--inspect');
  if (execute.length) {
    if (diagnosis.length) throw new InputError('ERR_USAGE', `-x sends its own messages: drop ${diagnosis[0]} (it is for the diagnosis run)`);
    if (execute.includes('-') && execute.length > 1) throw new InputError('ERR_USAGE', `-x - reads the messages from stdin: give no other -x (got ${execute.map((e) => JSON.stringify(e)).join(', ')})`);
    return execute[0] === '-' ? 'pipe' : 'execute';
  }
  if (diagnosis.length || args.json) return undefined;
  if (process.stdin.isTTY) return 'interactive';
  return stdinIsData() ? 'pipe' : undefined;
}

function stdinIsData(): boolean {
  try {
    const s = fstatSync(0);
    return s.isFIFO() || s.isFile() || s.isSocket();
  } catch {
    return false;
  }
}

/** Validates the session's own options (one-line InputError each). */
export function sessionOptionsOf(args: ClientCommandArgs, mode: DataMode): Pick<SessionOptions, 'showPingPong' | 'pingIntervalMs' | 'atEof'> & { actions: Action[] } {
  let pingIntervalMs = 0;
  if (args['ping-interval'] !== undefined) {
    pingIntervalMs = parseDuration(args['ping-interval'], '--ping-interval');
    if (pingIntervalMs <= 0 || pingIntervalMs > MAX_PING_INTERVAL_MS) {
      throw new InputError('ERR_BAD_DURATION', `bad --ping-interval "${args['ping-interval']}": use more than 0 and at most 10m`);
    }
  }
  if (args.quiet && args.verbose) throw new InputError('ERR_USAGE', '-q (--quiet) and -v (--verbose) contradict each other');
  const actions = mode === 'execute' ? list(args.execute).map((line) => parseLine(line, args.binary)) : [];
  return { showPingPong: args['show-ping-pong'], pingIntervalMs, atEof: args['exit-on-eof'] ? 'close' : 'replies', actions };
}

export async function runSessionCommand(args: ClientCommandArgs, mode: DataMode, base: SessionOptions): Promise<void> {
  const { actions, ...own } = sessionOptionsOf(args, mode);
  const queue = new ActionQueue();
  let detach: () => void;
  let reporter: Reporter<SessionEvent>;
  if (mode === 'interactive') {
    const prompt = interactivePrompt(queue, args);
    detach = prompt.close;
    const human = humanReporter(quietFilter(args.quiet), prompt.write);
    reporter = {
      emit(ev) {
        human.emit(ev);
        if (ev.event === 'phase' && ev.phase === 'open') prompt.show();
      },
    };
  } else {
    detach = mode === 'pipe' ? pumpStdin(queue, args.binary) : () => {};
    if (mode === 'execute') {
      for (const a of actions) queue.push(a);
      queue.end();
    }
    reporter = args.json ? jsonReporter() : pipeReporter(args.verbose);
  }
  // Ctrl-C (or SIGTERM) closes cleanly, with a close frame and a bounded wait for the answer.
  const onSignal = () => queue.interrupt();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const source: ActionSource = { next: () => queue.next(), close: () => detach() };
    // Timings on screen (or in --json) must be the path's: warm up first; a quiet pipe need not.
    const warmUp = mode === 'interactive' ? !args.quiet : args.json || args.verbose;
    const result = await runSession({ ...base, ...own, warmUp }, source, (ev) => reporter.emit(ev));
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Actions in arrival order; `interrupt` jumps the queue (Ctrl-C must not wait behind a backlog). */
class ActionQueue {
  #items: Action[] = [];
  #ended = false;
  #waiter: ((a: Action | undefined) => void) | undefined;

  push(a: Action): void {
    if (this.#ended) return;
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(a);
    } else this.#items.push(a);
  }

  end(): void {
    this.#ended = true;
    if (this.#waiter && !this.#items.length) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(undefined);
    }
  }

  interrupt(): void {
    this.#items.unshift({ kind: 'quit' });
    if (this.#waiter) {
      const w = this.#waiter;
      this.#waiter = undefined;
      w(this.#items.shift());
    }
    this.#ended = true;
  }

  next(): Promise<Action | undefined> {
    if (this.#items.length) return Promise.resolve(this.#items.shift());
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.#waiter = resolve));
  }
}

/** Pipe mode: each line (with --binary, each chunk as it arrives) is one message. */
function pumpStdin(queue: ActionQueue, binary: boolean): () => void {
  const stdin = process.stdin;
  if (binary) {
    const onData = (chunk: Buffer) => queue.push({ kind: 'send', data: chunk, binary: true });
    const onEnd = () => queue.end();
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onEnd);
    return () => {
      stdin.off('data', onData);
      stdin.destroy();
    };
  }
  const rl = readline.createInterface({ input: stdin, crlfDelay: Infinity, terminal: false });
  rl.on('line', (line) => queue.push({ kind: 'send', data: Buffer.from(line, 'utf8'), binary: false }));
  rl.once('close', () => queue.end());
  stdin.once('error', () => queue.end());
  return () => {
    rl.removeAllListeners('line');
    rl.close();
    stdin.destroy();
  };
}

/** The prompt: readline (history, line editing); our lines are printed above what is being typed. */
function interactivePrompt(queue: ActionQueue, args: ClientCommandArgs): { write: (text: string) => void; show: () => void; close: () => void } {
  const out = process.stdout;
  const sink = terminalWriter(out);
  let open = false;
  // Line editing and history need a terminal on both sides; `client URL > log` still reads lines.
  const rl = readline.createInterface({ input: process.stdin, output: out, prompt: '> ', terminal: out.isTTY === true, historySize: 500 });
  const write = (text: string) => {
    if (!open) return sink(text);
    readline.clearLine(out, 0);
    readline.cursorTo(out, 0);
    sink(text);
    rl.prompt(true);
  };
  rl.on('line', (line) => {
    let action: Action;
    try {
      action = parseLine(line, args.binary);
    } catch (e) {
      // A typo at the prompt must not drop a live connection: say so, and keep the session.
      write(`error: ${messageOf(e)}\n`);
      return;
    }
    if (action.kind === 'help') return write(`commands: ${SLASH_HELP}\n`);
    if (action.kind === 'send') {
      // The `> text` line with its stamp replaces the line as typed.
      readline.moveCursor(out, 0, -1);
      readline.clearLine(out, 0);
    }
    queue.push(action);
    rl.prompt();
  });
  rl.on('SIGINT', () => queue.interrupt());
  rl.once('close', () => queue.end());
  return {
    write,
    // The prompt appears once the connection is open; until then the timeline prints as is.
    show: () => {
      if (open) return;
      sink("type a message and Enter; /help lists the commands; Ctrl-C or Ctrl-D closes\n");
      open = true;
      rl.prompt();
    },
    close: () => {
      if (open) {
        // The prompt goes; the close line and the result take its place.
        readline.clearLine(out, 0);
        readline.cursorTo(out, 0);
      }
      open = false;
      rl.close();
      process.stdin.destroy();
    },
  };
}

/** Interactive -q: the messages and what went wrong, not the connection's timeline. */
function quietFilter(quiet: boolean): (ev: SessionEvent) => string[] | string | undefined {
  return (ev) => {
    if (quiet && ev.event === 'phase' && ev.ok !== false) return undefined;
    return renderSessionEvent(ev);
  };
}

/**
 * Pipe and -x mode: stdout carries the messages as they came, one per line, and the answers to
 * /ping and /inspect; stderr the timeline (-v only), -P pings/pongs and whatever went wrong.
 */
function pipeReporter(verbose: boolean): Reporter<SessionEvent> {
  const errSink = terminalWriter(process.stderr);
  const outSink = terminalWriter(process.stdout);
  return {
    emit(ev) {
      if (ev.event === 'message') return void process.stdout.write(rawPayload(ev));
      const lines = renderSessionEvent(ev);
      if (lines === undefined) return;
      const text = (Array.isArray(lines) ? lines : [lines]).join('\n') + '\n';
      if (ev.event === 'inspect' || (ev.event === 'pong' && ev.asked)) return outSink(text);
      const failed = ('ok' in ev && ev.ok === false) || (ev.event === 'phase' && ev.phase === 'close' && ev.by === 'peer');
      if (verbose || failed || ev.event === 'ping' || ev.event === 'pong') errSink(text);
    },
  };
}
