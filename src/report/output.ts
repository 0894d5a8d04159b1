import { humanReporter, jsonReporter, type Event, type Reporter } from './reporter.js';

/** The reporter a command uses: NDJSON with --json, else its human renderer. */
export function reporterFor(json: boolean, render: (ev: Event) => string[] | string | undefined): Reporter {
  return json ? jsonReporter() : humanReporter(render);
}
