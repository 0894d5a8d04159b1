import { list, timeoutMs, type GlobalArgs } from '../cli-options.js';
import { parsePort, parseWsUrl } from '../net/url.js';
import { createLogger } from '../log.js';
import { reporterFor } from '../report/output.js';
import { startProxy } from '../proxy/server.js';
import { parseFaultSpec } from '../proxy/faults/index.js';
import { serveUntilSignal } from '../serve.js';

export interface ProxyCommandArgs extends GlobalArgs {
  target: string[];
  host: string;
  port: number;
  name?: string;
  fault?: string[];
  'trace-frames': boolean;
  xfwd: boolean;
}

export async function runProxyCommand(args: ProxyCommandArgs): Promise<void> {
  const targets = list(args.target).map((t) => parseWsUrl(t, '--target'));
  const faults = list(args.fault).map(parseFaultSpec);
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  const proxy = await startProxy({
    targets,
    host: args.host,
    port: parsePort(args.port),
    ...(args.name ? { name: args.name } : {}),
    faults,
    xfwd: args.xfwd,
    traceFrames: args['trace-frames'],
    timeoutMs: timeoutMs(args),
    logger,
  });
  const reporter = reporterFor(args.json, (ev) =>
    ev.event === 'listening'
      ? [`proxy "${proxy.name}" listening on ${proxy.url} → ${targets.map((t) => t.url.href).join(', ')}${faults.length ? `  faults: ${faults.map((f) => f.spec).join(', ')}` : ''}`]
      : undefined,
  );
  reporter.emit({ event: 'listening', url: proxy.url, name: proxy.name, port: proxy.port, targets: targets.map((t) => t.url.href), faults: faults.map((f) => f.spec) });
  await serveUntilSignal(proxy, reporter);
}
