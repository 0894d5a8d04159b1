// Commands describe what happened as events (src/events.ts); a reporter turns them into output.
// `--json` prints each event as one line (NDJSON, stable field names, see docs/json.md);
// human output renders the same events as aligned lines. Logs never go to stdout.
import type { Reporter, WstraceEvent } from '../events.js';

export type Writer = (text: string) => void;

export const stdoutWriter: Writer = (text) => {
  process.stdout.write(text);
};

export function jsonReporter(write: Writer = stdoutWriter): Reporter {
  return { emit: (ev) => write(JSON.stringify(ev) + '\n') };
}

/** `render` returns the lines for an event, or nothing for events with no human form. */
export function humanReporter<E extends WstraceEvent>(render: (ev: E) => string[] | string | undefined, write: Writer = stdoutWriter): Reporter<E> {
  return {
    emit(ev) {
      const out = render(ev);
      if (out === undefined) return;
      const lines = Array.isArray(out) ? out : [out];
      if (lines.length) write(lines.join('\n') + '\n');
    },
  };
}
