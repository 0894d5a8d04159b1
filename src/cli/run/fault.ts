import { InputError } from '../../errors.js';
import { timeoutMs, type GlobalArgs } from '../options.js';
import { reporterFor } from '../../report/output.js';
import { table } from '../../report/format.js';
import type { FaultCommandEvent } from '../../events.js';
import { FaultApiClient, FaultApiError } from '../../control/api-client.js';
import type { HopInfo } from '../../control/types.js';

export interface FaultCommandArgs extends GlobalArgs {
  action: 'ls' | 'add' | 'rm' | 'reset';
  spec?: string[];
  api: string;
  hop?: string;
  name?: string;
}

/** `wstrace fault ls|add|rm|reset --api URL [--hop NAME] [SPEC|NAME]`: a client of the control API. */
export async function runFaultCommand(args: FaultCommandArgs): Promise<void> {
  const client = new FaultApiClient(apiUrl(args.api), timeoutMs(args));
  const reporter = reporterFor<FaultCommandEvent>(args.json, render);
  const words = (args.spec ?? []).map(String);
  try {
    switch (args.action) {
      case 'ls': {
        const hops = await client.hops();
        const shown = args.hop === undefined ? hops : [await client.hop(args.hop).info()];
        reporter.emit({ event: 'hops', hops: shown });
        return;
      }
      case 'add': {
        if (!words.length) throw new InputError('ERR_USAGE', 'fault add needs a SPEC, e.g. wstrace fault add --api URL latency=300ms stream=down');
        const hop = await pickHop(client, args.hop, 'add');
        const fault = await client.hop(hop).addFault(words.join(' '), args.name !== undefined ? { name: args.name } : {});
        reporter.emit({ event: 'fault', action: 'add', hop, fault });
        return;
      }
      case 'rm': {
        if (words.length !== 1) throw new InputError('ERR_USAGE', 'fault rm needs one fault NAME (see wstrace fault ls)');
        const hop = await pickHop(client, args.hop, 'rm');
        const fault = await client.hop(hop).removeFault(words[0]!);
        reporter.emit({ event: 'fault', action: 'remove', hop, fault });
        return;
      }
      case 'reset': {
        if (words.length) throw new InputError('ERR_USAGE', `fault reset takes no SPEC (got "${words.join(' ')}"); --hop limits it to one hop`);
        const removed = args.hop === undefined ? await client.reset() : { [args.hop]: await client.hop(args.hop).reset() };
        reporter.emit({ event: 'fault', action: 'reset', removed });
        return;
      }
    }
  } catch (e) {
    // A refused request or an unreachable API is the caller's to fix: one line, exit 2.
    if (e instanceof FaultApiError) throw new InputError(e.code, e.message);
    throw e;
  }
}

function apiUrl(text: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InputError('ERR_BAD_API', `bad --api "${text}": expected the URL the proxy or chain printed, e.g. http://127.0.0.1:8474`);
  }
  if (url.protocol !== 'http:') throw new InputError('ERR_BAD_API', `bad --api "${text}": the control API speaks plain http://`);
  return url.origin;
}

/** Without --hop, the API must serve exactly one hop (a `proxy`); a chain's hops are named. */
async function pickHop(client: FaultApiClient, hop: string | undefined, action: string): Promise<string> {
  if (hop !== undefined) return hop;
  const hops = await client.hops();
  if (hops.length === 1) return hops[0]!.name;
  throw new InputError('ERR_USAGE', `fault ${action}: this API serves ${hops.map((h) => h.name).join(', ')}; name one with --hop`);
}

function render(ev: FaultCommandEvent): string[] {
  if (ev.event === 'hops') return ev.hops.flatMap(renderHop);
  if (ev.action === 'reset') {
    return Object.entries(ev.removed).map(([hop, names]) => `${hop}: removed ${names.length ? names.map((n) => `"${n}"`).join(', ') : 'nothing (no faults)'}`);
  }
  const f = ev.fault;
  if (ev.action === 'remove') return [`${ev.hop}: removed "${f.name}" (${f.spec})`];
  const reach = f.live ? 'open tunnels and new connections' : 'new connections only';
  return [`${ev.hop}: added "${f.name}": ${f.spec} (stream ${f.stream ?? '—'}, toxicity ${f.toxicity} per ${f.per}; applies to ${reach})`];
}

function renderHop(h: HopInfo): string[] {
  const c = h.counters;
  const head = `${h.name}  ${h.url}  connections ${c.connections.tunnels} (${c.connections.open} open)  bytes up ${c.bytes.up} down ${c.bytes.down}`;
  if (!h.faults.length) return [head, '  no faults'];
  const rows = h.faults.map((f) => [f.name, f.spec, f.stream ?? '—', String(f.toxicity), f.live ? 'yes' : 'no', String(f.applied)]);
  return [head, ...table(['name', 'spec', 'stream', 'toxicity', 'live', 'applied'], rows).map((l) => `  ${l}`)];
}
