/**
 * A full garbage collection in a Node child, through its inspector (the child runs with
 * `--inspect=127.0.0.1:0`, loopback only), and what it then holds. Without it an RSS reading
 * counts whatever garbage the last burst of upgrades left, which differs run to run.
 */
import { collectLiveBytes } from '../../test/helpers/inspector.js';
import type { Child } from './procs.js';

export const INSPECT_FLAGS = ['--inspect=127.0.0.1:0'];

export interface Live {
  /** V8 heap in use plus memory behind Buffers (heapUsed + external), bytes, after the collection. */
  liveBytes: number;
}

export async function collect(child: Child): Promise<Live> {
  return { liveBytes: await collectLiveBytes(child.output(), child.name, 20_000) };
}
