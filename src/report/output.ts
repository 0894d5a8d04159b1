import { humanReporter, jsonReporter, stdoutWriter, type Event, type Reporter, type Writer } from './reporter.js';

/** The reporter a command uses: NDJSON with --json, else its human renderer. */
export function reporterFor(json: boolean, render: (ev: Event) => string[] | string | undefined): Reporter {
  return json ? jsonReporter() : humanReporter(render);
}

/**
 * On a terminal: `progress` events show as one line that the next output replaces (\r, erase
 * line), so a long wait is visibly alive without filling the scrollback.
 */
export function transientProgress(inner: Reporter, render: (ev: Event) => string | undefined, write: Writer = stdoutWriter): Reporter {
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
