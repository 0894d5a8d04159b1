import type { Reporter, WstraceEvent } from '../events.js';
import { humanReporter, jsonReporter, stdoutWriter, type Writer } from './reporter.js';

/** The reporter a command uses: NDJSON with --json, else its human renderer. */
export function reporterFor<E extends WstraceEvent>(json: boolean, render: (ev: E) => string[] | string | undefined): Reporter<E> {
  return json ? jsonReporter() : humanReporter(render);
}

/**
 * On a terminal: `progress` events show as one line that the next output replaces (\r, erase
 * line), so a long wait is visibly alive without filling the scrollback.
 */
export function transientProgress<E extends WstraceEvent>(inner: Reporter<E>, render: (ev: E) => string | undefined, write: Writer = stdoutWriter): Reporter<E> {
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
