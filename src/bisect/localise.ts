import { TRACE_FIELDS } from '../protocol/hop-trace.js';
import type { Alteration, HopResult } from './types.js';

export interface Boundary {
  /** Innermost failing URL; null when every probed URL works. */
  outer: number | null;
  /** Outermost URL of the working run that ends at the origin; null when the origin fails. */
  inner: number | null;
  anomalies: string[];
}

const label = (h: HopResult) => `"${h.name}" (#${h.index + 1})`;

/**
 * The localisation rule. Walk out from the origin: the first URL that fails is `outer`, the
 * working URL just behind it is `inner`, and the hop at `outer` is the one whose forwarding
 * breaks the path: everything it forwards to works when reached directly. A failing URL with a
 * flaky rate counts as failing: that is where the pool with a broken member sits.
 *
 * URLs binary search did not probe are skipped (it assumed them to match their neighbours).
 * When an outer URL works while one behind it fails, we do not guess which is "right": the
 * path taken from each entry point differs, or the fault comes and goes; we say so.
 */
export function localise(hops: HopResult[]): Boundary {
  const probed = hops.filter((h) => h.probed);
  let outerRow: HopResult | undefined;
  let innerRow: HopResult | undefined;
  for (let i = probed.length - 1; i >= 0; i--) {
    const h = probed[i]!;
    if (h.failures > 0) {
      outerRow = h;
      break;
    }
    innerRow = h;
  }
  if (!outerRow) return { outer: null, inner: null, anomalies: [] };
  const anomalies: string[] = [];
  for (const h of probed) {
    if (h.index >= outerRow.index) break;
    if (h.failures === 0) {
      anomalies.push(
        `${label(outerRow)} fails but ${label(h)} in front of it works: routing differs per entry point (the hop may not forward to the URL listed after it), or the fault is intermittent`,
      );
    } else if (h.failures < h.runs && outerRow.failures === outerRow.runs) {
      anomalies.push(
        `${label(h)} works ${h.runs - h.failures}/${h.runs} times although ${label(outerRow)} behind it always fails: it also reaches a working path`,
      );
    }
  }
  return { outer: outerRow.index, inner: innerRow ? innerRow.index : null, anomalies };
}

/**
 * The neighbour rule for the hop trace: a field changed on the way in from layer k shows in the
 * trace of every URL from k outwards, and in none behind it. So the innermost probed URL whose
 * trace shows a change of that field is the layer that makes it (it, or what sits between it
 * and the next URL).
 */
export function localiseChanges(hops: HopResult[]): Alteration[] {
  const probed = hops.filter((h) => h.probed);
  const out: Alteration[] = [];
  for (const field of TRACE_FIELDS) {
    for (let i = probed.length - 1; i >= 0; i--) {
      const c = probed[i]!.changes.find((x) => x.field === field);
      if (!c) continue;
      const h = probed[i]!;
      out.push({ index: h.index, name: h.name, field, header: c.header, before: c.before, after: c.after });
      break;
    }
  }
  return out.sort((a, b) => b.index - a.index);
}
