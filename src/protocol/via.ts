// RFC 9110 §7.6.3: Via = #( received-protocol RWS received-by [ RWS comment ] ).
// wstrace hops write `1.1 <name> (wstrace; upgrade=present|absent)` (`2 <name> …` when the hop
// received HTTP/2) so the endpoint's report shows, hop by hop, whether the request was still a
// WebSocket handshake (Upgrade headers, or an extended CONNECT) when each hop saw it.

export interface ViaEntry {
  protocol: string;
  receivedBy: string;
  comment?: string;
  /** Set for entries written by a wstrace hop. */
  wstrace?: { upgrade: 'present' | 'absent' };
}

/** `protocol` is the version this hop received the message in: `1.1`, or `2` for HTTP/2 (RFC 9110 §7.6.3). */
export function formatViaEntry(name: string, upgradePresent: boolean, protocol: '1.1' | '2' = '1.1'): string {
  return `${protocol} ${name} (wstrace; upgrade=${upgradePresent ? 'present' : 'absent'})`;
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
    const w = /^wstrace;\s*upgrade=(present|absent)$/.exec(m[3].trim());
    if (w) entry.wstrace = { upgrade: w[1] as 'present' | 'absent' };
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
