import { timeoutMs, type GlobalArgs } from '../options.js';
import { memoryReporter, type BisectEvent, type ClientEvent, type ClientResult, type Reporter, type WstraceEvent } from '../../events.js';
import { terminalWriter } from '../../report/terminal.js';
import { reporterFor } from '../../report/output.js';
import { jsonReporter } from '../../report/reporter.js';
import { renderClientEvent } from '../../report/client.js';
import { renderBisectEvent } from '../../report/bisect.js';
import { startChain, type Chain } from '../../chain/index.js';
import { runClient } from '../../client/run.js';
import { parseWsUrl } from '../../net/url.js';
import { bisect, buildHops } from '../../bisect/index.js';

export type DemoCommandArgs = GlobalArgs;

/** The story's cast: four hops, the second drops Upgrade/Connection like a misconfigured nginx. */
const HOPS = 4;
const FAULTY = 2;
const FAULT = 'strip-upgrade';

/**
 * `npm start`: a whole broken path on this machine, diagnosed in a few seconds. The client sees
 * that the upgrade was lost; bisect names the hop. Everything runs in this process and is
 * stopped before returning, so the process exits by itself. Exit 0 when bisect names the hop
 * we broke on purpose.
 */
export async function runDemoCommand(args: DemoCommandArgs): Promise<void> {
  const timeout = timeoutMs(args);
  const t0 = performance.now();
  const say = args.json ? () => {} : (...lines: string[]) => terminalWriter()(lines.join('\n') + '\n');
  const chain: Chain = await startChain(
    { hops: Array.from({ length: HOPS }, (_, i) => ({ faults: i + 1 === FAULTY ? [FAULT] : [] })) },
    { timeoutMs: timeout },
  );
  try {
    const { layers } = chain;
    const json = jsonReporter();
    if (args.json) json.emit({ event: 'listening', layers });
    const width = Math.max(...layers.map((l) => l.name.length));
    say(
      `wstrace demo: ${HOPS} proxies in front of an echo endpoint, all on this machine. One hop is misconfigured.`,
      '',
      'layers, outermost first:',
      ...layers.map((l) => `  ${l.name.padEnd(width)}  ${l.url}`),
      '',
      '1) a client connects to the outermost URL, as a browser would:',
    );
    // The hops run in this process: their first request would time their own cold start (module
    // loading, JIT), not the path. One silent pass through every layer first, as a real,
    // long-running hop would be.
    await Promise.all(layers.map((l) => runClient({ target: parseWsUrl(l.url), timeoutMs: timeout }, memoryReporter())));
    // Under --json the client's and bisect's own results become `client` and `bisect` events: the
    // stream has one `result`, the demo's, and it comes last.
    const client = await runClient({ target: parseWsUrl(layers[0]!.url), timeoutMs: timeout }, args.json ? withoutResult(json) : indented(briefClient));
    if (args.json) json.emit({ event: 'client', ...withoutReport(client) });
    say(
      client.ok ? '  …and it worked, which this demo did not expect.' : '  it knows the upgrade was lost; on a real path few hops leave a Via trail that says where.',
      '',
      '2) `wstrace bisect` probes every layer\'s URL at once and compares neighbours:',
    );
    const hops = buildHops({ urls: layers.map((l) => l.url), names: layers.map((l) => l.name) });
    const result = await bisect({ hops, strategy: 'all', timeoutMs: timeout }, args.json ? withoutResult(json) : indented(briefBisect));
    if (args.json) json.emit({ event: 'bisect', ...result });
    const found = result.break?.outer === FAULTY - 1 && result.break.code === 'upgrade-headers-stripped';
    const faulty = layers[FAULTY - 1]!;
    if (args.json) json.emit({ event: 'result', ok: found, expected: { outer: FAULTY - 1, code: 'upgrade-headers-stripped', fault: FAULT }, break: result.break });
    say(
      '',
      found
        ? `found it: "${faulty.name}" was started with --fault ${FAULT} (it forwards the upgrade as a plain GET, like nginx without proxy_set_header Upgrade/Connection).`
        : `bisect did not name "${faulty.name}", the hop started with --fault ${FAULT}: that is a bug in wstrace.`,
      `try it on your own path: wstrace bisect URL… (outermost first; --name to label hops); done in ${((performance.now() - t0) / 1000).toFixed(1)} s.`,
    );
    process.exitCode = found ? 0 : 1;
  } finally {
    await chain.close();
  }
}

/** The client's timeline without the 426 body and the evidence: the demo keeps to the point. */
function briefClient(ev: ClientEvent): string[] | undefined {
  if (ev.event === 'phase' && (ev.phase === 'connect' || ev.phase === 'upgrade')) return renderClientEvent(ev);
  if (ev.event === 'result' && ev.verdict) return [`verdict: ${ev.verdict.code}: ${ev.verdict.summary}`];
  return undefined;
}

/** Bisect's table and break line; of the evidence only the endpoint's Via trail, which agrees with it. */
function briefBisect(ev: BisectEvent): string[] | undefined {
  if (ev.event !== 'result' || !ev.verdict) return renderBisectEvent(ev);
  const v = ev.verdict;
  return renderBisectEvent({ ...ev, verdict: { ...v, evidence: v.evidence.filter((e) => e.startsWith('stripped between')) } });
}

function withoutReport({ report: _none, ...fields }: ClientResult): Omit<ClientResult, 'report'> {
  return fields;
}

/** Everything but the `result` line. */
function withoutResult(json: Reporter): Reporter {
  return {
    emit: (ev) => {
      if (ev.event !== 'result') json.emit(ev);
    },
  };
}

function indented<E extends WstraceEvent>(render: (ev: E) => string[] | string | undefined): Reporter<E> {
  return reporterFor<E>(false, (ev) => {
    const out = render(ev);
    if (out === undefined) return undefined;
    return (Array.isArray(out) ? out : [out]).map((l) => `  ${l}`);
  });
}
