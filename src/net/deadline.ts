/**
 * Races a promise against a deadline. On expiry `onExpire` runs (it must release whatever the
 * promise waits on: destroy the socket, abort the request) and the returned promise rejects
 * with `expired()`. The timer is always cleared, so nothing outlives the race.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, expired: () => Error, onExpire: () => void = () => {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onExpire();
      reject(expired());
    }, ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** Monotonic milliseconds since `t0`. */
export function since(t0: number): number {
  return performance.now() - t0;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
