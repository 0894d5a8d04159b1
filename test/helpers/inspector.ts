import assert from 'node:assert/strict';
import { WebSocket } from 'ws';

/**
 * Full GC in a CLI server started with `--inspect=127.0.0.1:0` (NODE_OPTIONS), then its live
 * bytes (heapUsed + external), through the inspector. `stderr`: the server's, where Node
 * prints the inspector URL.
 */
export async function liveBytes(stderr: () => string): Promise<number> {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(stderr());
  assert.ok(m, `no inspector URL on the server's stderr: ${stderr()}`);
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
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the server\'s inspector did not answer within 10 s')), 10_000))),
    ]);
  } finally {
    clearTimeout(timer);
    ws.terminate();
  }
}
