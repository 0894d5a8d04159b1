import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { connectAndUpgrade } from './connect.js';
import { closeHandshake, makePayload, pause, roundTrip } from './exchange.js';
import type { ResolvedClientOptions } from './options.js';

/** Longer-lived drops are not re-run: a confirmation must not take minutes. */
const MAX_CONFIRM_AGE_MS = 60_000;
/** Same age within this fraction counts as "the same age again". */
const SAME_AGE = 0.25;

/**
 * A connection that died with traffic flowing may have hit a hop's maximum connection age
 * (GCP LB) or the server may simply have crashed. One observation cannot tell them apart, so
 * run a second connection with steady traffic: dying again at the same age is a lifetime cap;
 * not reconnecting, or living clearly longer, is not.
 */
export async function confirmLifetime(o: ResolvedClientOptions, ageMs: number, first: Verdict): Promise<Verdict> {
  const age = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (ageMs > MAX_CONFIRM_AGE_MS) {
    return { ...first, evidence: [...first.evidence, `run again: if it dies again at ${age(ageMs)}, a hop caps connection age (max-lifetime)`] };
  }
  const outcome = await connectAndUpgrade(o, performance.now(), () => {});
  if (!outcome.ok) {
    return { ...first, evidence: [...first.evidence, `a new connection failed too (${outcome.verdict.code}): the server or a hop went away`] };
  }
  const ws = outcome.ws;
  const t0 = performance.now();
  const step = Math.min(1_000, Math.max(50, ageMs / 8));
  const until = ageMs * (1 + SAME_AGE) + step;
  let diedAt: number | undefined;
  for (let seq = 1; performance.now() - t0 < until; seq++) {
    const r = await roundTrip(ws, makePayload(16, seq), true, o.timeoutMs);
    if (r.kind !== 'value') {
      diedAt = performance.now() - t0;
      break;
    }
    await pause(ws, step);
  }
  if (diedAt === undefined) await closeHandshake(ws, o.timeoutMs);
  else ws.terminate();
  if (diedAt !== undefined && Math.abs(diedAt - ageMs) <= ageMs * SAME_AGE) {
    return verdict('max-lifetime', `connections are cut at about ${age(ageMs)} of age, even with traffic flowing`, [
      ...first.evidence,
      `a second connection with a message every ${Math.round(step)} ms died again at ${age(diedAt)}`,
    ]);
  }
  const second = diedAt === undefined ? `a second connection with steady traffic outlived that (${age(until)})` : `a second connection died at ${age(diedAt)}, not at the same age`;
  return { ...first, evidence: [...first.evidence, `${second}: not a fixed lifetime`] };
}
