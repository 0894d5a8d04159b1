import type { Reporter, StoppedEvent } from '../events.js';

export interface Running {
  close(): Promise<void>;
}

/**
 * Keeps a server (or a chain of them) up until SIGINT/SIGTERM, then stops it and lets the
 * process exit by itself: nothing calls process.exit, so a leaked socket or timer would show
 * up as a process that does not exit, which the tests check.
 */
export function serveUntilSignal(running: Running, reporter: Reporter<StoppedEvent>, onStop?: () => void): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      onStop?.();
      running.close().then(() => {
        reporter.emit({ event: 'stopped', signal });
        resolve();
      }, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
