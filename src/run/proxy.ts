import { list, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { displayUrl, parsePort, parseWsUrl } from '../net/url.js';
import { parseListen } from '../net/listen.js';
import { describeUpstream } from '../proxy/upstream.js';
import { createLogger } from '../log.js';
import { reporterFor } from '../report/output.js';
import type { Event } from '../report/reporter.js';
import { startProxy } from '../proxy/server.js';
import { ARROW, describeFrame, type FrameEvent } from '../proxy/frame-log.js';
import { parseFaultSpec } from '../proxy/faults/index.js';
import { serveUntilSignal } from '../serve.js';
import { stamp } from '../report/format.js';

export interface ProxyCommandArgs extends GlobalArgs {
  target: string[];
  host: string;
  port: number;
  name?: string;
  fault?: string[];
  'trace-frames': boolean;
  xfwd: boolean;
  listen?: string;
}

export async function runProxyCommand(args: ProxyCommandArgs): Promise<void> {
  const targets = list(args.target).map((t) => parseWsUrl(t, '--target'));
  const faults = list(args.fault).map(parseFaultSpec);
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  const reporter = reporterFor(args.json, render);
  const t0 = performance.now();
  const proxy = await startProxy({
    targets,
    host: args.host,
    port: parsePort(args.port),
    socketPath: args.listen === undefined ? undefined : parseListen(args.listen),
    ...(args.name ? { name: args.name } : {}),
    faults,
    xfwd: args.xfwd,
    traceFrames: args['trace-frames'],
    // With --trace-frames every frame is an event on stdout (NDJSON with --json), not only a log line.
    onFrame: (ev) => reporter.emit({ ...ev, t: Math.round(performance.now() - t0) }),
    timeoutMs: timeoutMs(args),
    logger,
  });
  // Signal handlers before the listening line: a caller may signal as soon as it reads it.
  const served = serveUntilSignal(proxy, reporter);
  reporter.emit({
    event: 'listening', url: proxy.url, name: proxy.name, port: args.listen ? null : proxy.port, targets: targets.map(displayUrl), upstreams: targets.map(describeUpstream),
    faults: faults.map((f) => f.spec),
  });
  await served;
}

function render(ev: Event): string[] | undefined {
  if (ev.event === 'listening') {
    const faults = (ev.faults as string[]).length ? `  faults: ${(ev.faults as string[]).join(', ')}` : '';
    return [`proxy "${String(ev.name)}" listening on ${String(ev.url)} → ${(ev.upstreams as string[]).join(', ')}${faults}`];
  }
  if (ev.event === 'frame') {
    const f = ev as unknown as FrameEvent;
    return [`${stamp(Number(ev.t))} ${ARROW[f.dir]}  ${describeFrame(f)}`];
  }
  return undefined;
}
