import type { Verdict } from '../diagnose/catalogue.js';
import type { HopResult } from './types.js';

/**
 * Via and the endpoint name wstrace hops by their own --name (`hop-2`); the user named the URLs
 * (`--name lb`). A URL reached directly is first received by its own wstrace hop; a real hop's
 * URL is first received by the wstrace hop behind it, which is also what that hop's own URL
 * shows. So a wstrace name belongs to the innermost URL whose probe it received first.
 */
export function traceLabels(hops: HopResult[]): Map<string, string> {
  const labels = new Map<string, string>();
  for (const h of hops) if (h.probed && h.firstTraced) labels.set(h.firstTraced, h.name);
  for (const [k, v] of labels) if (k === v) labels.delete(k);
  return labels;
}

/** The verdict in the user's words: every quoted wstrace name, and each Via hop, by its URL's label. */
export function relabel(v: Verdict, labels: Map<string, string>): Verdict {
  if (labels.size === 0) return v;
  const say = (text: string) => {
    let out = text;
    for (const [own, label] of labels) {
      out = out.replaceAll(`"${own}"`, `"${label}"`).replaceAll(`${own} (upgrade=`, `${label} (upgrade=`);
    }
    return out;
  };
  return { ...v, summary: say(v.summary), evidence: v.evidence.map(say), next: say(v.next) };
}
