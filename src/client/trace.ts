import { RECEIVED_HEADER } from '../constants.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { describeChange, firstDowngrade, parseReceived, traceChanges, type TraceChange, type TracePoint } from '../protocol/hop-trace.js';
import { parseVia } from '../protocol/via.js';
import type { UpgradeAnswer } from './handshake.js';

export interface HopTrace {
  /** The client's request, then every wstrace hop (outermost first), then the endpoint. */
  points: TracePoint[];
  changes: TraceChange[];
}

/**
 * The trace of one handshake from its answer: what we sent, what each wstrace hop received (its
 * entry in the *response's* Via: each hop appends on the way back, so the innermost comes
 * first), and what a wstrace endpoint received (its X-Wstrace-Received header).
 */
export function hopTrace(answer: UpgradeAnswer): HopTrace | undefined {
  if (!answer.sent) return undefined;
  const points: TracePoint[] = [{ at: 'client', digest: answer.sent }];
  for (const e of parseVia(answer.headers.via).reverse()) if (e.wstrace?.received) points.push({ at: e.receivedBy, digest: e.wstrace.received });
  const received = answer.headers[RECEIVED_HEADER.toLowerCase()];
  const mine = parseReceived(typeof received === 'string' ? received : undefined);
  if (mine) points.push({ at: answer.endpoint ?? 'endpoint', digest: mine });
  return { points, changes: traceChanges(points) };
}

/**
 * A hop that received the upgrade as HTTP/1.0: RFC 6455 §4.1 wants 1.1 or later. When the upgrade
 * headers were lost as well (nginx with a bare proxy_pass does both), that loss is the cause and
 * the downgrade only evidence: refineByTrace says so.
 */
export function downgradeVerdict(trace: HopTrace): Verdict | undefined {
  const d = firstDowngrade(trace.points);
  if (!d || trace.changes.some((c) => c.field === 'upgrade' || c.field === 'connection')) return undefined;
  const where = d.before ? `between "${d.before.at}" and "${d.point.at}"` : `before "${d.point.at}"`;
  return verdict('version-downgrade', `the upgrade was forwarded as HTTP/${d.point.digest.http} ${where}`, [
    `"${d.point.at}" received HTTP/${d.point.digest.http}${d.before ? `; "${d.before.at}" received HTTP/${d.before.digest.http}` : ''}`,
    'RFC 6455 §4.1: the opening handshake must be HTTP/1.1 or later; a hop after it may re-send HTTP/1.1 and hide the downgrade',
  ]);
}

/**
 * A failed handshake read together with the first field a hop changed: a 400 after
 * Sec-WebSocket-Protocol was removed is the subprotocol's fault, not a stripped upgrade.
 */
export function refineByTrace(v: Verdict, status: number | null, trace: HopTrace | undefined): Verdict {
  const first = trace?.changes.find((c) => c.field !== 'http');
  if (!first) return v;
  const said = describeChange(first);
  const downgraded = trace!.changes.find((c) => c.field === 'http');
  const evidence = [`hop trace: ${said}`, ...(downgraded ? [`hop trace: ${describeChange(downgraded)}`] : []), ...v.evidence];
  const at = `"${first.from}" and "${first.to}"`;
  if (first.field === 'protocol' && status !== 101) {
    return verdict('subprotocol-mismatch', `Sec-WebSocket-Protocol ${first.after === null ? 'was removed' : 'was altered'} between ${at}, and the server answered ${status ?? 'nothing'}`, evidence,
      `make the hop between ${at} forward Sec-WebSocket-Protocol (nginx passes it unless a proxy_set_header clears it; HAProxy: no del-header for it)`);
  }
  if ((first.field === 'upgrade' || first.field === 'connection') && v.code !== 'upgrade-headers-stripped') {
    return verdict('upgrade-headers-stripped', `${first.header} ${first.after === null ? 'was removed' : 'was altered'} between ${at}`, evidence);
  }
  if ((first.field === 'origin' || first.field === 'host') && status === 403) {
    return verdict('origin-rejected', `${first.header} was rewritten between ${at}, and the server refused the upgrade (403)`, evidence,
      `make the hop between ${at} pass ${first.header} unchanged, or allow the rewritten value on the server`);
  }
  return { ...v, evidence };
}
