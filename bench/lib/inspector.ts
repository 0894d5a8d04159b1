/**
 * A full garbage collection in a Node child, through its inspector (the child runs with
 * `--inspect=127.0.0.1:0`, loopback only), and what it then holds. Without it an RSS reading
 * counts whatever garbage the last burst of upgrades left, which differs run to run.
 */
import { WebSocket } from 'ws';
import type { Child } from './procs.js';

export const INSPECT_FLAGS = ['--inspect=127.0.0.1:0'];

export interface Live {
  /** V8 heap in use plus memory behind Buffers (heapUsed + external), bytes, after the collection. */
  liveBytes: number;
}

export async function collect(child: Child): Promise<Live> {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(child.output());
  if (!m) throw new Error(`${child.name}: no inspector URL in its output`);
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
        return { liveBytes: mem.heapUsed + mem.external };
      })(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${child.name}: its inspector did not answer within 20 s`)), 20_000))),
    ]);
  } finally {
    clearTimeout(timer);
    ws.terminate();
  }
}
