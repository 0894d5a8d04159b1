import { INSPECT_MESSAGE } from '../../constants.js';
import { headerTokens } from '../../net/header.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { headerValues } from '../http-head.js';
import type { Session } from '../session.js';
import { isRecord } from '../../guards.js';

/**
 * Sec-WebSocket-Protocol (RFC 6455 §4.1, §11.3.4): the 101 may choose one of the offered
 * values or none; anything else must fail the connection. When a wstrace endpoint answers we
 * also ask it what it received, which tells "the server declined" from "a hop dropped it".
 */
export const subprotocolCheck: Check = {
  ...checkInfo('subprotocol'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const offered = ctx.settings.subprotocols;
    const s = await ctx.open();
    const answered = headerValues(s.head, 'sec-websocket-protocol');
    const chosen = headerTokens(answered);
    const offer = offered.length ? offered.join(', ') : 'nothing';
    const evidence = [`offered ${offer}; 101 answered ${answered.length ? JSON.stringify(answered.join(', ')) : 'no Sec-WebSocket-Protocol'}`];

    if (chosen.length > 1 || (chosen.length === 1 && !offered.some((p) => p.toLowerCase() === chosen[0]))) {
      return outcome('fail', `the 101 chose ${JSON.stringify(answered.join(', '))}, which was not offered: a client must fail the connection`, {
        value: answered.join(', '), unit: null, evidence, verdict: 'subprotocol-mismatch',
      });
    }
    if (chosen.length === 1) {
      const exact = offered.find((p) => p === answered[0]);
      if (!exact) evidence.push(`case differs from the offer: subprotocol names are case-sensitive (RFC 6455 §4.1)`);
      return outcome(exact ? 'pass' : 'warn', `the 101 chose ${answered[0]} from ${offer}`, { value: answered[0]!, unit: null, evidence, ...(exact ? {} : { verdict: 'subprotocol-mismatch' as const }) });
    }
    if (!offered.length) {
      return outcome('pass', 'none offered, none chosen (add --subprotocol P to test negotiation)', { value: 'none', unit: null, evidence });
    }
    const received = ctx.peer.endpoint ? await receivedByEndpoint(s, ctx.wait(ctx.settings.timeoutMs)) : undefined;
    if (received === null) {
      evidence.push(`wstrace endpoint "${ctx.peer.endpoint}" received no Sec-WebSocket-Protocol header: a hop dropped it`);
      return outcome('fail', `offered ${offer}, but the header never reached the endpoint`, { value: 'none', unit: null, evidence, verdict: 'subprotocol-mismatch' });
    }
    if (received !== undefined) evidence.push(`wstrace endpoint "${ctx.peer.endpoint}" received "${received}" and accepted none (start it with --subprotocol)`);
    return outcome('warn', `offered ${offer}; the 101 chose none (clients that require one will give up)`, {
      value: 'none', unit: null, evidence, verdict: 'subprotocol-mismatch',
    });
  },
};

/** The Sec-WebSocket-Protocol our endpoint saw: a string, null when absent, undefined when it did not say. */
async function receivedByEndpoint(s: Session, ms: number): Promise<string | null | undefined> {
  s.sendMessage(INSPECT_MESSAGE, false);
  const got = await s.nextMessage(ms);
  if ('end' in got) return undefined;
  try {
    const report: unknown = JSON.parse(got.payload.toString('utf8'));
    const headers = isRecord(report) && Array.isArray(report.headers) ? report.headers.filter(isHeaderPair) : undefined;
    const hit = headers?.filter(([k]) => k.toLowerCase() === 'sec-websocket-protocol').map(([, v]) => v);
    return hit === undefined ? undefined : hit.length ? hit.join(', ') : null;
  } catch {
    return undefined;
  }
}

function isHeaderPair(p: unknown): p is [string, string] {
  return Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string';
}
