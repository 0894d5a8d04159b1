import type { Writer } from '../../report/reporter.js';

/** Flush at once past this many characters pending. */
const FLUSH_AT = 64 * 1024;

/**
 * stdout, one write per turn of the event loop instead of one per event. `--trace-frames` prints
 * an event per frame, and stdout to a pipe or file is a synchronous write(2) in Node: at tens of
 * thousands of frames a second those writes, not the frame parsing, were most of the tap's cost
 * (CPU profile: writeUtf8String ~3/4 of the tap's own time). Output order is kept; a line waits
 * at most until the current turn ends, and whatever is pending is written when the process exits.
 */
export function coalescedStdout(write: (text: string) => void = (t) => void process.stdout.write(t)): Writer {
  let pending = '';
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (!pending) return;
    const text = pending;
    pending = '';
    write(text);
  };
  process.once('exit', flush);
  return (text) => {
    pending += text;
    if (pending.length >= FLUSH_AT) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
}
