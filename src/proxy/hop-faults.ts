import type { Transform } from 'node:stream';
import { InputError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Direction, Tunnel, TunnelStats } from './tunnel.js';
import type { Fault, FaultAttrs, FaultTunnel, Stream } from './faults/fault.js';
import { FrameStage } from './faults/frame-stage.js';
import { parseFaultSpec, traitsOf, type AttrOverrides } from './faults/registry.js';

/** One fault on a hop, as the control API and the library report it. */
export interface FaultInfo {
  name: string;
  kind: string;
  /** The spec in effect (canonical when attributes were changed through the API). */
  spec: string;
  stream: Stream | null;
  toxicity: number;
  /** What toxicity draws for: each connection once, or each frame. */
  per: 'connection' | 'frame';
  /** Whether adding or removing it changes tunnels already open (a stream stage). */
  live: boolean;
  /** Connections it applied to (per-frame faults: frames it acted on). */
  applied: number;
}

export interface HopCounters {
  /** Upgrade requests received, tunnels opened (101 relayed), tunnels open now, plain HTTP requests. */
  connections: { upgrades: number; tunnels: number; open: number; http: number };
  /** Bytes relayed through tunnels, closed and open: up = client → upstream. */
  bytes: { up: number; down: number };
  /** Per fault name: connections (or frames) it applied to. */
  faults: Record<string, number>;
}

/** A change to a hop's faults: an event on the `--json` stream. */
export interface FaultChange {
  event: 'fault';
  action: 'add' | 'update' | 'remove' | 'reset';
  hop: string;
  /** The fault concerned; absent for reset. */
  fault?: FaultInfo;
  /** Faults removed by a reset. */
  removed?: string[];
  /** Open tunnels the change reached at once (0 for faults that apply to new connections only). */
  tunnels: number;
}

/** Options a fault is added or updated with, outside its spec. */
export type FaultOptions = AttrOverrides;

interface Entry {
  fault: Fault;
  attrs: FaultAttrs;
  applied: number;
}

/** The faults that apply to one connection: drawn once, when its request arrives. */
export type Drawn = readonly Entry[];

interface OpenTunnel {
  tunnel: Tunnel;
  /** The stages each fault added; made with the first (most tunnels never get one). */
  applied?: Map<Entry, { dir: Direction; stage: Transform }[]>;
  log: Logger;
}

/**
 * A hop's faults by name, and the tunnels they act on. New connections draw from the list as it
 * is when their request arrives; open tunnels get added and removed stream stages at once.
 */
export class HopFaults {
  readonly #entries: Entry[] = [];
  readonly #open = new Set<OpenTunnel>();
  readonly #counters = { upgrades: 0, tunnels: 0, http: 0, up: 0, down: 0 };

  constructor(
    readonly hop: () => string,
    faults: Fault[],
    readonly random: () => number,
    readonly onChange: (change: FaultChange) => void = () => {},
  ) {
    for (const f of faults) this.#insert(f, this.#entries.length);
  }

  list(): FaultInfo[] {
    return this.#entries.map(info);
  }

  get(name: string): FaultInfo {
    return info(this.#find(name));
  }

  counters(): HopCounters {
    let up = this.#counters.up;
    let down = this.#counters.down;
    for (const t of this.#open) {
      up += t.tunnel.bytesUp;
      down += t.tunnel.bytesDown;
    }
    const { upgrades, tunnels, http } = this.#counters;
    return { connections: { upgrades, tunnels, open: this.#open.size, http }, bytes: { up, down }, faults: Object.fromEntries(this.#entries.map((e) => [e.attrs.name, e.applied])) };
  }

  add(spec: string, opts: FaultOptions = {}): FaultInfo {
    const fault = parseFaultSpec(spec, opts);
    const entry = this.#insert(fault, this.#entries.length);
    const tunnels = this.#applyLive(entry);
    this.onChange({ event: 'fault', action: 'add', hop: this.hop(), fault: info(entry), tunnels });
    return info(entry);
  }

  /** Replaces the fault `name` in place: a new spec, or the same spec with other attributes. */
  update(name: string, spec: string | undefined, opts: FaultOptions = {}): FaultInfo {
    const old = this.#find(name);
    const fault = parseFaultSpec(spec ?? old.fault.spec, { name, ...(spec === undefined ? { stream: old.attrs.stream, toxicity: old.attrs.toxicity } : {}), ...opts });
    if (fault.attrs.name !== name) this.#checkFree(fault.attrs.name);
    const at = this.#entries.indexOf(old);
    this.#entries.splice(at, 1);
    this.#removeLive(old);
    const entry = this.#insert(fault, at);
    const tunnels = this.#applyLive(entry);
    this.onChange({ event: 'fault', action: 'update', hop: this.hop(), fault: info(entry), tunnels });
    return info(entry);
  }

  remove(name: string): FaultInfo {
    const entry = this.#find(name);
    this.#entries.splice(this.#entries.indexOf(entry), 1);
    const tunnels = this.#removeLive(entry);
    this.onChange({ event: 'fault', action: 'remove', hop: this.hop(), fault: info(entry), tunnels });
    return info(entry);
  }

  /** Removes every fault; returns their names. */
  reset(): string[] {
    const removed = this.#entries.splice(0);
    let tunnels = 0;
    for (const e of removed) tunnels = Math.max(tunnels, this.#removeLive(e));
    this.onChange({ event: 'fault', action: 'reset', hop: this.hop(), removed: removed.map((e) => e.attrs.name), tunnels });
    return removed.map((e) => e.attrs.name);
  }

  /** A request arrived: which faults apply to this connection (toxicity drawn once per connection). */
  draw(kind: 'upgrade' | 'http'): Drawn {
    if (kind === 'upgrade') this.#counters.upgrades++;
    else this.#counters.http++;
    return this.#entries.filter((e) => this.#hits(e));
  }

  /** The 101 went through: give the tunnel its live stage lists and the drawn faults' stages. */
  attach(tunnel: Tunnel, drawn: Drawn, log: Logger): void {
    // The live stage lists are the tunnel's, made when a fault first needs one: a tunnel without
    // faults carries its bytes with no stage at all (memory and latency per hop).
    const t: OpenTunnel = { tunnel, log };
    this.#counters.tunnels++;
    this.#open.add(t);
    tunnel.once('closed', (stats: TunnelStats) => {
      this.#open.delete(t);
      this.#counters.up += stats.bytesUp;
      this.#counters.down += stats.bytesDown;
    });
    // Entries removed between the request and the 101 no longer apply.
    for (const e of drawn) if (this.#entries.includes(e)) this.#apply(t, e);
  }

  #insert(fault: Fault, at: number): Entry {
    const attrs = fault.attrs ?? { name: fault.kind, stream: traitsOf(fault.kind).stream ?? null, toxicity: 1 };
    this.#checkFree(attrs.name);
    const entry: Entry = { fault, attrs, applied: 0 };
    this.#entries.splice(at, 0, entry);
    return entry;
  }

  #checkFree(name: string): void {
    if (this.#entries.some((e) => e.attrs.name === name)) {
      throw new InputError('ERR_FAULT_EXISTS', `hop "${this.hop()}" already has a fault named "${name}": update or remove it, or add this one with name=…`);
    }
  }

  #find(name: string): Entry {
    const e = this.#entries.find((x) => x.attrs.name === name);
    if (!e) {
      const known = this.#entries.map((x) => x.attrs.name);
      throw new InputError('ERR_NO_SUCH_FAULT', `hop "${this.hop()}" has no fault named "${name}" (${known.length ? `it has ${known.join(', ')}` : 'it has none'})`);
    }
    return e;
  }

  /** Per-connection draw; per-frame faults always apply to the connection and draw per frame. */
  #hits(e: Entry): boolean {
    if (traitsOf(e.fault.kind).per === 'frame') return true;
    const hit = e.attrs.toxicity >= 1 || this.random() < e.attrs.toxicity;
    if (hit) e.applied++;
    return hit;
  }

  #applyLive(e: Entry): number {
    if (!traitsOf(e.fault.kind).live || !e.fault.onTunnel) return 0;
    let n = 0;
    for (const t of this.#open) {
      if (t.tunnel.closed || !this.#hits(e)) continue;
      this.#apply(t, e);
      n++;
    }
    return n;
  }

  #removeLive(e: Entry): number {
    let n = 0;
    for (const t of this.#open) {
      const stages = t.applied?.get(e);
      if (!stages) continue;
      t.applied!.delete(e);
      for (const { dir, stage } of stages) t.tunnel.live(dir).remove(stage);
      n++;
    }
    return n;
  }

  #apply(t: OpenTunnel, e: Entry): void {
    if (!e.fault.onTunnel) return;
    const traits = traitsOf(e.fault.kind);
    const stream = e.attrs.stream;
    const added: { dir: Direction; stage: Transform }[] = [];
    (t.applied ??= new Map()).set(e, added);
    const { tunnel } = t;
    const view: FaultTunnel = {
      client: tunnel.client,
      upstream: tunnel.upstream,
      addStage: (dir, stage) => {
        if (stream !== null && stream !== 'both' && stream !== dir) {
          stage.destroy();
          return;
        }
        if (traits.per === 'frame' && stage instanceof FrameStage) {
          stage.sample(() => {
            const hit = e.attrs.toxicity >= 1 || this.random() < e.attrs.toxicity;
            if (hit) e.applied++;
            return hit;
          });
        }
        added.push({ dir, stage });
        tunnel.live(dir).add(stage);
      },
      destroy: (reason) => tunnel.destroy(reason),
      on: (event, fn) => tunnel.on(event, fn),
      off: (event, fn) => tunnel.off(event, fn),
      once: (event, fn) => tunnel.once(event, fn),
    };
    e.fault.onTunnel(view, { hop: this.hop(), log: t.log });
  }
}

function info(e: Entry): FaultInfo {
  const t = traitsOf(e.fault.kind);
  return { name: e.attrs.name, kind: e.fault.kind, spec: e.fault.spec, stream: e.attrs.stream, toxicity: e.attrs.toxicity, per: t.per, live: t.live, applied: e.applied };
}
