// Commands describe what happened as events; a reporter turns them into output.
// `--json` prints each event as one line (NDJSON, stable field names, see README "JSON output");
// human output renders the same events as aligned lines. Logs never go to stdout.

export interface Event {
  event: string;
  [field: string]: unknown;
}

export interface Reporter {
  emit(ev: Event): void;
}

export type Writer = (text: string) => void;

export const stdoutWriter: Writer = (text) => {
  process.stdout.write(text);
};

export function jsonReporter(write: Writer = stdoutWriter): Reporter {
  return { emit: (ev) => write(JSON.stringify(ev) + '\n') };
}

/** `render` returns the lines for an event, or nothing for events with no human form. */
export function humanReporter(render: (ev: Event) => string[] | string | undefined, write: Writer = stdoutWriter): Reporter {
  return {
    emit(ev) {
      const out = render(ev);
      if (out === undefined) return;
      const lines = Array.isArray(out) ? out : [out];
      if (lines.length) write(lines.join('\n') + '\n');
    },
  };
}

/** Collects events in memory: for the library API and tests. */
export function memoryReporter(): Reporter & { events: Event[] } {
  const events: Event[] = [];
  return { events, emit: (ev) => void events.push(ev) };
}

export function teeReporter(...reporters: Reporter[]): Reporter {
  return { emit: (ev) => reporters.forEach((r) => r.emit(ev)) };
}
