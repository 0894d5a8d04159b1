import { list, refuseEmpty, timeoutMs, typed, type GlobalArgs } from '../options.js';
import { InputError } from '../../errors.js';
import { displayUrl, parsePort, parseWsUrl } from '../../net/url.js';
import { parseName } from '../../net/header.js';
import { msSince } from '../../net/duration.js';
import { parseHost, parseListen } from '../../net/listen.js';
import { describeUpstream } from '../../proxy/upstream.js';
import { createLogger } from '../logger.js';
import { reporterFor, withStopLine } from '../../report/output.js';
import type { ProxyStreamEvent } from '../../events.js';
import { humanReporter, jsonReporter } from '../../report/reporter.js';
import { coalescedStdout } from './coalesced-stdout.js';
import { startProxy } from '../../proxy/server.js';
import { warmProxy } from '../../proxy/warmup.js';
import { logWarmUp } from '../../endpoint/warmup.js';
import { ARROW, describeFrame } from '../../proxy/frame-log.js';
import { parseFaultSpec } from '../../proxy/faults/index.js';
import { serveUntilSignal } from '../serve.js';
import { stamp } from '../../report/format.js';
import { controlFromArgs, type ControlArgs } from '../../control/address.js';
import { startControlApi } from '../../control/api-server.js';
import { localHop } from '../../control/local.js';
import { renderFaultChange } from './fault-events.js';

export interface ProxyCommandArgs extends GlobalArgs, ControlArgs {
  target: string[];
  host: string;
  port: number;
  name?: string;
  fault?: string[];
  'trace-frames': boolean;
  xfwd: boolean;
  'upstream-http': string;
  listen?: string;
}

export async function runProxyCommand(args: ProxyCommandArgs): Promise<void> {
  const targets = list(args.target).map((t) => parseWsUrl(t, '--target'));
  refuseEmpty('--fault', 'expected kind, kind=value or kind:key=value,…');
  const faults = list(args.fault).map((s) => parseFaultSpec(s));
  const control = controlFromArgs(args);
  const upstreamHttp = args['upstream-http'];
  if (upstreamHttp !== '1.1' && upstreamHttp !== '2' && upstreamHttp !== 'same') throw new InputError('ERR_BAD_HTTP', `bad --upstream-http "${upstreamHttp}": use 1.1, 2 or same`);
  const logger = await createLogger({ level: args['log-level'], json: args.json });
  // With --trace-frames an event per frame: one stdout write per loop turn, not per frame.
  const reporter = args['trace-frames'] ? (args.json ? jsonReporter(coalescedStdout()) : humanReporter(withStopLine(render), coalescedStdout())) : reporterFor(args.json, render);
  // Before the port is taken: the first clients must time the path, not the proxy's cold code.
  logWarmUp(logger, await warmProxy());
  const t0 = performance.now();
  const proxy = await startProxy({
    targets,
    host: parseHost(args.host),
    port: parsePort(typed('--port', args.port)),
    socketPath: args.listen === undefined ? undefined : parseListen(args.listen),
    ...(args.name !== undefined ? { name: parseName(args.name, '--name') } : {}),
    faults,
    xfwd: args.xfwd,
    upstreamHttp,
    traceFrames: args['trace-frames'],
    // With --trace-frames every frame is an event on stdout (NDJSON with --json), not only a log line.
    onFrame: (ev) => reporter.emit({ ...ev, t: msSince(t0) }),
    // Every change to the faults (through --api) is an event too.
    onFaultChange: (change) => reporter.emit({ ...change, t: msSince(t0) }),
    ...(control.seed !== undefined ? { seed: control.seed } : {}),
    timeoutMs: timeoutMs(args),
    logger,
  });
  let api: Awaited<ReturnType<typeof startControlApi>> | undefined;
  if (control.api) {
    try {
      api = await startControlApi({ hops: [localHop(proxy.name, proxy.url, proxy.faults)], ...control.api, timeoutMs: timeoutMs(args), logger });
    } catch (e) {
      await proxy.close();
      throw e;
    }
  }
  // Signal handlers before the listening line: a caller may signal as soon as it reads it.
  const served = serveUntilSignal({ close: async () => void (await Promise.all([api?.close(), proxy.close()])) }, reporter);
  reporter.emit({
    event: 'listening', url: proxy.url, name: proxy.name, port: args.listen ? null : proxy.port, targets: targets.map(displayUrl), upstreams: targets.map(describeUpstream),
    faults: faults.map((f) => f.spec), upstreamHttp, ...(api ? { api: api.url } : {}),
  });
  await served;
}

function render(ev: ProxyStreamEvent): string[] | undefined {
  switch (ev.event) {
    case 'listening': {
      const faults = ev.faults.length ? `  faults: ${ev.faults.join(', ')}` : '';
      const api = ev.api ? `  api: ${ev.api}` : '';
      return [`proxy "${ev.name}" listening on ${ev.url} → ${ev.upstreams.join(', ')}${faults}${api}`];
    }
    case 'fault':
      return renderFaultChange(ev);
    case 'frame':
      return [`${stamp(ev.t)} ${ARROW[ev.dir]}  ${describeFrame(ev)}`];
    case 'stopped':
      return undefined;
  }
}
