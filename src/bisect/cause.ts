import { NEXT_STEP, verdict, type Verdict } from '../diagnose/catalogue.js';
import { describeVia } from '../protocol/via.js';
import { formatMs } from '../net/duration.js';
import type { Alteration, HopResult } from './types.js';

const label = (h: HopResult) => `"${h.name}" (#${h.index + 1})`;
const answer = (h: HopResult) => (h.status === null ? 'no HTTP answer' : `${h.status}${h.statusText ? ` ${h.statusText}` : ''}`);
const ms = (h: HopResult) => (h.upgradeMs === null ? '' : ` in ${formatMs(h.upgradeMs)}`);

// What an application answers to a WebSocket upgrade that reached it as a plain GET:
// 404 (FastAPI, most routers), 400 (gorilla/websocket), 426 (ws, our endpoint).
const PLAIN_GET_ANSWERS = new Set([400, 404, 426]);

/**
 * Cause attribution: the failing hop's own verdict, read together with its inner neighbour's
 * success. The raw verdict of one probe cannot tell "this app has no such route" from "a hop in
 * front of it dropped Upgrade"; the pair can: the same request upgrades one hop further in.
 * `inner` is null when the origin itself fails; then its own verdict is the cause.
 */
export function attribute(outer: HopResult, inner: HopResult | null, single: boolean, altered: Alteration[] = []): Verdict {
  const own = outer.verdict ?? verdict('connection-dropped', `${label(outer)} failed`);
  const flaky = outer.intermittent ? [`${label(outer)} failed ${outer.failures} of ${outer.runs} probes (${pct(outer.rate)})`] : [];
  if (!inner) {
    if (single) return own;
    return { ...own, summary: `the origin ${label(outer)} itself fails: ${own.summary}`, evidence: [...flaky, ...own.evidence] };
  }
  const works = `${label(inner)} behind it upgrades (${inner.status ?? '?'}${ms(inner)})`;
  const innerVia = inner.via?.length ? [`${label(inner)} reached endpoint "${inner.endpoint}" via ${describeVia(inner.via)}`] : [];
  let v: Verdict;
  const traced = byTrace(outer, own, altered, works, [...own.evidence, ...innerVia]);
  if (traced) {
    v = traced;
  } else if (outer.status !== null && PLAIN_GET_ANSWERS.has(outer.status) && inner.status === 101) {
    v = verdict(
      'upgrade-headers-stripped',
      `${label(outer)} answers ${answer(outer)} while ${works}: the request leaves "${outer.name}" without Upgrade/Connection, so the server behind it sees a plain GET`,
      [...own.evidence, ...innerVia],
      `fix "${outer.name}": ${ownFix(own, 'upgrade-headers-stripped')}`,
    );
  } else if (own.code === 'handshake-timeout') {
    v = verdict(
      'handshake-timeout',
      `${label(outer)} accepts the connection but never answers the upgrade, while ${works}`,
      [...own.evidence, ...innerVia],
      `"${outer.name}" does not get (or pass on) the 101 from "${inner.name}": check its upstream address and its logs; a TLS terminator with a dead backend looks the same`,
    );
  } else {
    v = verdict(own.code, `${label(outer)} fails (${own.summary}) while ${works}`, [...own.evidence, ...innerVia], `look at "${outer.name}": ${own.next}`);
  }
  if (outer.intermittent) {
    v.summary += ` (intermittent: ${pct(outer.rate)} of probes fail)`;
    v.evidence = [...flaky, ...v.evidence];
    v.next = `"${outer.name}" fails ${outer.failures} of ${outer.runs} probes while "${inner.name}" always works: it balances over several upstreams and one is broken (a round-robin pool); probe each member directly`;
  }
  return v;
}

/**
 * The fix for `code` at this hop: its own verdict's next step when that verdict is the same
 * cause (the hop's answer may name its software, and so the exact setting to change: Caddy's
 * `header_up`, not nginx's `proxy_set_header`), else the catalogue's generic one.
 */
const ownFix = (own: Verdict, code: Verdict['code']) => (own.code === code ? own.next : NEXT_STEP[code]);

const show = (v: string | null) => (v === null ? 'absent' : `"${v}"`);

/**
 * The failing hop changes a handshake field that the URL behind it receives intact: that change
 * is the cause (a 400 after Sec-WebSocket-Protocol vanished is not a stripped upgrade).
 */
function byTrace(outer: HopResult, own: Verdict, altered: Alteration[], works: string, evidence: string[]): Verdict | undefined {
  // A lost upgrade explains everything after it (nginx with a bare proxy_pass also downgrades to 1.0).
  const pick = altered.find((a) => a.field === 'upgrade' || a.field === 'connection') ?? altered.find((a) => a.field === 'http') ?? altered[0];
  if (!pick) return undefined;
  const change = `${pick.header} ${pick.after === null ? 'removed' : pick.before === null ? 'added' : 'rewritten'}: ${show(pick.before)} → ${show(pick.after)}`;
  const all = [`hop trace: "${outer.name}" changes ${altered.map((a) => `${a.header} ${show(a.before)} → ${show(a.after)}`).join(', ')}`, ...evidence];
  const say = (code: Parameters<typeof verdict>[0], fix: string) =>
    verdict(code, `${label(outer)} ${pick.field === 'http' ? `forwards the upgrade as HTTP/${pick.after ?? '?'}` : `changes the handshake (${change})`} while ${works}`, all, `fix "${outer.name}": ${fix}`);
  switch (pick.field) {
    case 'http':
      return say('version-downgrade', ownFix(own, 'version-downgrade'));
    case 'upgrade':
    case 'connection':
      return say('upgrade-headers-stripped', ownFix(own, 'upgrade-headers-stripped'));
    case 'protocol':
      return say('subprotocol-mismatch', 'forward Sec-WebSocket-Protocol unchanged (nginx: no proxy_set_header that clears it)');
    case 'origin':
    case 'host':
      return say(outer.status === 403 ? 'origin-rejected' : (outer.verdict?.code ?? 'http-error'), `pass ${pick.header} unchanged, or allow the rewritten value on the server`);
    default:
      return say(outer.verdict?.code ?? 'http-error', `forward ${pick.header} unchanged`);
  }
}

export function pct(rate: number): string {
  return `${Math.round(rate * 100)}%`;
}
