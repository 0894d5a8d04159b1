import { InputError } from '../../errors.js';
import { hanging } from '../../text.js';
import { isOneOf } from '../../guards.js';
import type { Fault, FaultAttrs, FaultKind, Stream } from './fault.js';
import { stripUpgrade } from './strip-upgrade.js';
import { hang } from './hang.js';
import { status } from './status.js';
import { idleTimeout } from './idle-timeout.js';
import { maxLifetime } from './max-lifetime.js';
import { drain } from './drain.js';
import { maxMessage } from './max-message.js';
import { dropClose } from './drop-close.js';
import { dropPong } from './drop-pong.js';
import { blackhole } from './blackhole.js';
import { latency } from './latency.js';
import { bandwidth } from './bandwidth.js';
import { resetAfter } from './reset-after.js';
import { slicer } from './slicer.js';
import { stripHeader } from './strip-header.js';
import { setHeader } from './set-header.js';
import { stripExtensions } from './strip-extensions.js';
import { corruptRsv1 } from './corrupt-rsv1.js';
import { noExtendedConnect } from './no-extended-connect.js';

/** Every fault kind by name, in README order. Each lives in its own file next to this one. */
export const FAULT_KINDS: FaultKind[] = [
  stripUpgrade, hang, status, idleTimeout, maxLifetime, drain, maxMessage, dropClose, dropPong, blackhole,
  latency, bandwidth, resetAfter, slicer, stripHeader, setHeader, stripExtensions, corruptRsv1, noExtendedConnect,
];

/**
 * How the attributes every fault takes apply to each kind — the source of the table in
 * docs/faults.md (test/faults-attrs.test.ts checks the two agree).
 * - `stream`: the default direction; absent when the fault has none (it acts on the request or
 *   on the whole tunnel).
 * - `per`: what `toxicity` draws for — each connection once, or each frame.
 * - `live`: a stream stage, so adding or removing it changes tunnels that are already open;
 *   otherwise a change reaches new connections only.
 * - `legacy`: the older spelling of `stream` this kind keeps accepting.
 */
export interface FaultTraits {
  stream?: Stream;
  per: 'connection' | 'frame';
  live: boolean;
  legacy?: { how: 'value' | 'param'; spelling: string };
  /** What `stream` means for this kind when it is not "the direction the fault acts on". */
  streamMeans?: string;
}

const CONNECTION = { per: 'connection', live: false } as const;
const STAGE = { stream: 'both', per: 'connection', live: true } as const;

export const FAULT_TRAITS: Record<string, FaultTraits> = {
  'strip-upgrade': CONNECTION,
  hang: { ...CONNECTION, stream: 'both', streamMeans: 'with `=after-101`: the direction relayed nothing' },
  status: CONNECTION,
  'idle-timeout': { ...CONNECTION, stream: 'both', streamMeans: 'whose traffic restarts the timer', legacy: { how: 'param', spelling: 'reset' } },
  'max-lifetime': CONNECTION,
  drain: CONNECTION,
  'max-message': { per: 'connection', live: true },
  'drop-close': { stream: 'both', per: 'frame', live: true, legacy: { how: 'value', spelling: '=up|down|both' } },
  'drop-pong': { stream: 'both', per: 'frame', live: true },
  blackhole: STAGE,
  latency: STAGE,
  bandwidth: STAGE,
  'reset-after': { ...STAGE, streamMeans: 'whose bytes count toward the limit' },
  slicer: STAGE,
  'strip-header': CONNECTION,
  'set-header': CONNECTION,
  'strip-extensions': CONNECTION,
  'corrupt-rsv1': { stream: 'down', per: 'frame', live: true },
  // SETTINGS go out once per h2 session, when it opens: only a fault given at start-up edits them.
  'no-extended-connect': CONNECTION,
};

export function traitsOf(kind: string): FaultTraits {
  return FAULT_TRAITS[kind] ?? CONNECTION;
}

/** Attributes given outside the spec (the control API's JSON fields); they win over the spec's. */
export type AttrOverrides = Partial<FaultAttrs>;

const STREAMS = ['up', 'down', 'both'] as const;
/** Attributes every kind takes; a kind never sees them among its own parameters. */
const COMMON = ['name', 'stream', 'toxicity'];

/**
 * `kind`, `kind=value`, `kind:key=value,…` or `kind=value,key=value`; attributes may also be
 * separated by spaces (`latency=300ms stream=down`). Every kind also takes `name=`, `stream=` and
 * `toxicity=` (see FaultTraits). Unknown kinds and malformed specs are input errors (exit 2).
 * With `overrides` the resulting `spec` is rebuilt so it states the attributes in effect.
 */
export function parseFaultSpec(spec: string, overrides: AttrOverrides = {}): Fault & { attrs: FaultAttrs } {
  // Spaces around are forgiven, control characters are not: `latency\n` is not `latency`.
  // Spaces before `key=` separate attributes as commas do; other spaces belong to the value.
  const text = spec.replace(/^ +| +$/g, '').replace(/ +(?=[a-z][a-z0-9-]*=)/g, ',');
  const m = /^([a-z0-9-]+)(?:([=:,])(.*))?$/.exec(text);
  if (!m) throw new InputError('ERR_BAD_FAULT', `bad fault spec "${spec}": expected kind, kind=value or kind:key=value,…`);
  const kind = FAULT_KINDS.find((k) => k.kind === m[1]);
  if (!kind) {
    throw new InputError('ERR_UNKNOWN_FAULT', `unknown fault "${m[1]}" in "${spec}": known faults are ${FAULT_KINDS.map((k) => k.kind).join(', ') || 'none'}`);
  }
  const bad = (message: string) => new InputError('ERR_BAD_FAULT', `bad fault "${spec.trim()}": ${message}`);
  let value: string | undefined;
  const params: Record<string, string> = {};
  if (m[3] !== undefined) {
    const parts = m[3].split(',');
    if (m[2] === '=') value = parts.shift();
    for (const p of parts) {
      const eq = p.indexOf('=');
      if (eq <= 0) throw new InputError('ERR_BAD_FAULT', `bad fault spec "${spec}": "${p}" is not key=value`);
      params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
    }
  }
  const traits = traitsOf(kind.kind);
  const common: Record<string, string> = {};
  for (const k of COMMON) {
    if (params[k] === undefined) continue;
    common[k] = params[k];
    delete params[k];
  }
  // The older spelling of the direction stays valid and means the same as stream=.
  let legacy: string | undefined;
  if (traits.legacy?.how === 'value' && value !== undefined && isOneOf(STREAMS, value)) {
    legacy = value;
    value = undefined;
  } else if (traits.legacy?.how === 'param' && params[traits.legacy.spelling] !== undefined) {
    const old = params[traits.legacy.spelling]!;
    legacy = old;
    delete params[traits.legacy.spelling];
    if (!isOneOf(STREAMS, old)) throw bad(`${traits.legacy.spelling} must be both, up, down (got "${legacy}")`);
  }
  if (legacy !== undefined && common.stream !== undefined && legacy !== common.stream) {
    throw bad(`stream=${common.stream} contradicts ${traits.legacy!.spelling === 'reset' ? 'reset=' : ''}${legacy}`);
  }
  const attrs = readAttrs(kind.kind, traits, { ...common, ...(legacy !== undefined && common.stream === undefined ? { stream: legacy } : {}) }, bad);
  Object.assign(attrs, checkOverrides(overrides, traits, bad));
  const fault = kind.create(value, params, spec.trim(), attrs);
  const rebuilt = Object.keys(overrides).length > 0 ? specOf(kind.kind, value, params, attrs, traits) : undefined;
  return { ...fault, ...(rebuilt !== undefined ? { spec: rebuilt } : {}), attrs };
}

function readAttrs(kind: string, traits: FaultTraits, given: Record<string, string>, bad: (m: string) => Error): FaultAttrs {
  const attrs: FaultAttrs = { name: kind, stream: traits.stream ?? null, toxicity: 1 };
  if (given.name !== undefined) attrs.name = checkName(given.name, bad);
  if (given.stream !== undefined) attrs.stream = checkStream(given.stream, traits, bad);
  if (given.toxicity !== undefined) {
    const text = given.toxicity;
    attrs.toxicity = checkToxicity(text.trim() === '' ? NaN : Number(text), text, bad);
  }
  return attrs;
}

function checkOverrides(o: AttrOverrides, traits: FaultTraits, bad: (m: string) => Error): AttrOverrides {
  const out: AttrOverrides = {};
  if (o.name !== undefined) out.name = checkName(o.name, bad);
  if (o.stream !== undefined) out.stream = o.stream === null ? (traits.stream ?? null) : checkStream(o.stream, traits, bad);
  if (o.toxicity !== undefined) out.toxicity = checkToxicity(o.toxicity, String(o.toxicity), bad);
  return out;
}

function checkName(name: unknown, bad: (m: string) => Error): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw bad(`name must be 1-64 letters, digits, "-", "_" or "." (got ${JSON.stringify(name)})`);
  return name;
}

function checkStream(stream: unknown, traits: FaultTraits, bad: (m: string) => Error): Stream {
  if (!traits.stream) throw bad('this fault has no direction: stream= does not apply');
  if (!isOneOf(STREAMS, stream)) throw bad(`stream must be ${STREAMS.join(', ')} (got ${JSON.stringify(stream)})`);
  return stream;
}

function checkToxicity(t: unknown, text: string, bad: (m: string) => Error): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0 || t > 1) throw bad(`toxicity must be a number from 0 to 1 (got "${text}")`);
  return t;
}

/** The canonical spec: kind, value, the kind's parameters, then the attributes that differ from the defaults. */
function specOf(kind: string, value: string | undefined, params: Record<string, string>, attrs: FaultAttrs, traits: FaultTraits): string {
  const parts = Object.entries(params).map(([k, v]) => `${k}=${v}`);
  if (attrs.stream !== (traits.stream ?? null)) parts.push(`stream=${attrs.stream}`);
  if (attrs.toxicity !== 1) parts.push(`toxicity=${attrs.toxicity}`);
  if (attrs.name !== kind) parts.push(`name=${attrs.name}`);
  const head = value !== undefined ? `${kind}=${value}` : kind;
  if (!parts.length) return head;
  return value !== undefined ? `${head},${parts.join(',')}` : `${head}:${parts.join(',')}`;
}

/** The markdown table of docs/faults.md, rendered from FAULT_KINDS and FAULT_TRAITS. */
export function faultAttrsTable(): string {
  const rows = FAULT_KINDS.map((k) => {
    const t = traitsOf(k.kind);
    const stream = t.stream ? `\`${t.stream}\`${t.streamMeans ? ` (${t.streamMeans})` : ''}${t.legacy ? `; also \`${t.legacy.how === 'param' ? `${t.legacy.spelling}=` : ''}${t.legacy.how === 'value' ? t.legacy.spelling : 'up|down|both'}\`` : ''}` : '—';
    return `| \`${k.kind}\` | ${cell(stream)} | ${t.per === 'frame' ? 'frames' : 'connections'} | ${t.live ? 'yes' : 'new connections only'} |`;
  });
  return ['| fault | `stream` (default) | `toxicity` draws per | live tunnels |', '|---|---|---|---|', ...rows].join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The kinds table of docs/faults.md: effect, value and parameters, what each fault mimics. */
export function faultKindsTable(): string {
  const rows = FAULT_KINDS.map((k) => `| \`${k.kind}\` | ${cell(k.summary)} | ${cell(k.syntax)} | ${cell(k.mimics)} |`);
  return ['| kind | effect | value and parameters | mimics |', '|---|---|---|---|', ...rows].join('\n');
}

/** `--fault help`: every kind, its effect, then its value and parameters, wrapped to `width`. */
export function faultHelp(width = 80): string {
  const plain = (md: string) => md.replace(/`/g, '');
  const col = Math.max(...FAULT_KINDS.map((k) => k.kind.length)) + 4;
  const lines = ['fault kinds: --fault KIND, KIND=VALUE or KIND:KEY=VALUE,… (every kind also takes', 'stream=, toxicity= and name=; docs/faults.md says what each mimics)', ''];
  for (const k of FAULT_KINDS) {
    const text = k.syntax === '—' ? plain(k.summary) : `${plain(k.summary)}. Value: ${plain(k.syntax)}`;
    lines.push(...hanging(`  ${k.kind}`, text, col, width));
  }
  return lines.join('\n');
}

