// RFC 9110 §7.6.3: Via = #( received-protocol RWS received-by [ RWS comment ] ).
// wstrace hops write `<version received> <name> (wstrace; upgrade=present|absent; u=… c=… …)` so
// the endpoint's report and the client show, hop by hop, whether the upgrade headers were still
// there when each hop saw the request, and every other handshake field it received (hop-trace.ts).
import { formatDigest, parseDigest, type Digest } from './hop-trace.js';

export interface ViaEntry {
  protocol: string;
  receivedBy: string;
  comment?: string;
  /** Set for entries written by a wstrace hop. */
  wstrace?: { upgrade: 'present' | 'absent'; received?: Digest };
}

/** A Via entry as JSON carries it back (the endpoint's 426 body): the two fields every entry has. */
export function isViaEntry(v: unknown): v is ViaEntry {
  return typeof v === 'object' && v !== null && 'protocol' in v && typeof v.protocol === 'string' && 'receivedBy' in v && typeof v.receivedBy === 'string';
}

/** Without `received` (an answer the hop generates itself), the entry says only upgrade=…. */
export function formatViaEntry(name: string, upgradePresent: boolean, received?: Digest): string {
  const head = `${received?.http ?? '1.1'} ${name} (wstrace; upgrade=${upgradePresent ? 'present' : 'absent'}`;
  return received ? `${head}; ${formatDigest(received)})` : `${head})`;
}

/** Splits on commas that are not inside a comment, then parses each entry leniently. */
export function parseVia(value: string | string[] | undefined): ViaEntry[] {
  if (value === undefined) return [];
  const text = Array.isArray(value) ? value.join(', ') : value;
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && depth > 0) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter(Boolean).map(parseEntry);
}

function parseEntry(text: string): ViaEntry {
  const m = /^(\S+)\s+(\S+)(?:\s+\((.*)\))?\s*$/.exec(text);
  if (!m) return { protocol: '', receivedBy: text };
  const entry: ViaEntry = { protocol: m[1]!, receivedBy: m[2]! };
  if (m[3] !== undefined) {
    entry.comment = m[3];
    const w = /^wstrace;\s*upgrade=(present|absent)(?:;\s*(.*))?$/.exec(m[3].trim());
    if (w) {
      entry.wstrace = { upgrade: w[1] as 'present' | 'absent' };
      const received = w[2] === undefined ? undefined : parseDigest(entry.protocol, w[2]);
      if (received) entry.wstrace.received = received;
    }
  }
  return entry;
}

/** `a (upgrade=present) → b (upgrade=absent) → nginx` for one-line evidence. */
export function describeVia(entries: ViaEntry[]): string {
  if (entries.length === 0) return 'no Via entries';
  return entries
    .map((e) => (e.wstrace ? `${e.receivedBy} (upgrade=${e.wstrace.upgrade})` : e.receivedBy))
    .join(' → ');
}

/** Where the chain flips from present to absent: the fault lies between those two hops. */
export function findStrippingGap(entries: ViaEntry[]): { before?: string; after: string } | undefined {
  let lastPresent: string | undefined;
  for (const e of entries) {
    if (!e.wstrace) continue;
    if (e.wstrace.upgrade === 'present') lastPresent = e.receivedBy;
    else return lastPresent === undefined ? { after: e.receivedBy } : { before: lastPresent, after: e.receivedBy };
  }
  return undefined;
}
