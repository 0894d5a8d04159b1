import type { Reporter, WstraceEvent } from '../events.js';
import { humanReporter, jsonReporter, type Writer } from './reporter.js';
import { terminalWriter } from './terminal.js';

type Render<E> = (ev: E) => string[] | string | undefined;

/**
 * The reporter a command uses: NDJSON with --json, else its human renderer through the terminal
 * sink (wrapped to the width, coloured on a TTY). A server's `stopped` event has the same human
 * line everywhere, `stopped (SIGINT)`, unless the renderer gives its own.
 */
export function reporterFor<E extends WstraceEvent>(json: boolean, render: Render<E>, write: Writer = terminalWriter()): Reporter<E> {
  return json ? jsonReporter() : humanReporter(withStopLine(render), write);
}

/** The renderer, plus the `stopped (SIGINT)` line every server prints when a signal stops it. */
export function withStopLine<E extends WstraceEvent>(render: Render<E>): Render<E> {
  return (ev) => render(ev) ?? (ev.event === 'stopped' ? `stopped (${ev.signal})` : undefined);
}

/**
 * On a terminal: `progress` events show as one line that the next output replaces (\r, erase
 * line), so a long wait is visibly alive without filling the scrollback.
 */
export function transientProgress<E extends WstraceEvent>(inner: Reporter<E>, render: (ev: E) => string | undefined, write: Writer = terminalWriter()): Reporter<E> {
  let shown = false;
  return {
    emit(ev) {
      if (shown) write('\r\x1b[2K');
      shown = false;
      if (ev.event !== 'progress') return inner.emit(ev);
      const line = render(ev);
      if (line) {
        write(line);
        shown = true;
      }
    },
  };
}
