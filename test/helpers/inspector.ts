import { WebSocket } from 'ws';

/**
 * Full GC in a Node process started with `--inspect=127.0.0.1:0`, then its live bytes
 * (heapUsed + external), through the inspector. `output`: the process's stderr so far, where
 * Node prints the inspector URL; `who` names it in errors. Used by the memory tests and the
 * bench's memory section alike.
 */
export async function collectLiveBytes(output: string, who: string, timeoutMs: number): Promise<number> {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(output);
  if (!m) throw new Error(`${who}: no inspector URL in its output: ${output}`);
  const ws = new WebSocket(m[1]!);
  const answers = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) answers.get(msg.id)?.(msg.result);
  });
  const call = (id: number, method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      answers.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        await new Promise<void>((resolve, reject) => {
          ws.once('open', resolve);
          ws.once('error', reject);
        });
        await call(1, 'HeapProfiler.collectGarbage');
        const r = (await call(2, 'Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
        const mem = JSON.parse(r.result.value) as { heapUsed: number; external: number };
        return mem.heapUsed + mem.external;
      })(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${who}: its inspector did not answer within ${timeoutMs / 1000} s`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
    ws.terminate();
  }
}

/** For a CLI server under test: `stderr` reads what it printed so far. */
export function liveBytes(stderr: () => string): Promise<number> {
  return collectLiveBytes(stderr(), 'the server', 10_000);
}
