/**
 * The wstrace side of the real-hop scenarios (test/real-*.test.ts), on top of helpers/cli.ts
 * (spawns dist/src/cli/main.js) and helpers/real-servers.ts (nginx, HAProxy…): servers start with
 * --json, and `stopAll` stops wstrace servers by SIGINT, where each must exit by itself, and the
 * real servers after them.
 */
import type { TestContext } from 'node:test';
import { ndjson, runCli, startCliServer, type CliServer, type Ev } from './cli.js';
import { startNginx, type NginxVariant, type RealServer } from './real-servers.js';

export { ndjson, runCli, type CliServer, type Ev };

export type Stoppable = CliServer | RealServer;

/** `wstrace ARGS --json` as a server; resolves once it printed `listening`. */
export function startWstrace(t: Pick<TestContext, 'after'>, args: string[]): Promise<CliServer> {
  return startCliServer(t, [...args, '--json']);
}

/** ws://host:port of a wstrace server, without its path: what a proxy --target takes. */
export function baseOf(s: CliServer): string {
  const u = new URL(s.url);
  return `${u.protocol}//${u.host}`;
}

/** The first event named `name` (`result`, `check`, `inspect`…) of a --json run. */
export function eventOf<T extends Ev = Ev>(stdout: string, name: string): T | undefined {
  return ndjson(stdout).find((e) => e.event === name) as T | undefined;
}

/**
 * Stops everything, newest first (outer hops before what they forward to). A wstrace server
 * that hangs on SIGINT or exits non-zero is a real finding: the error is rethrown, after
 * everything else has been stopped.
 */
export async function stopAll(started: Stoppable[]): Promise<void> {
  let first: unknown;
  for (const s of [...started].reverse()) {
    try {
      await s.stop();
    } catch (err) {
      first ??= err;
    }
  }
  if (first !== undefined) throw first;
}

export interface NginxPath {
  /** Entry points outermost first, each with the echo path: edge, nginx, inner, echo. */
  urls: [string, string, string, string];
  names: ['edge', 'nginx', 'inner', 'echo'];
  nginx: RealServer;
}

/**
 * client → wstrace proxy "edge" → real nginx(variant) → wstrace proxy "inner" → wstrace echo:
 * a real hop between two wstrace hops, so their Via entries can place a fault on either side.
 * Everything started is pushed onto `started` (the caller stops it in t.after).
 */
export async function startNginxPath(t: Pick<TestContext, 'after'>, variant: NginxVariant, started: Stoppable[]): Promise<NginxPath> {
  const echo = await startWstrace(t, ['echo', '--port', '0', '--name', 'echo']);
  started.push(echo);
  const inner = await startWstrace(t, ['proxy', '--target', baseOf(echo), '--name', 'inner']);
  started.push(inner);
  const nginx = await startNginx(variant, inner.port);
  started.push(nginx);
  const edge = await startWstrace(t, ['proxy', '--target', nginx.url, '--name', 'edge']);
  started.push(edge);
  return {
    urls: [`${baseOf(edge)}/echo`, `${nginx.url}/echo`, `${baseOf(inner)}/echo`, echo.url],
    names: ['edge', 'nginx', 'inner', 'echo'],
    nginx,
  };
}

export function log(tag: string, msg: string): void {
  process.stderr.write(`[${tag}] ${msg}\n`);
}
