import { acceptKey } from '../../protocol/accept.js';
import { headerTokens } from '../../net/header.js';
import { outcome, type Check, type CheckContext, type CheckOutcome } from '../check.js';
import { checkInfo } from '../catalog.js';
import { headerValues } from '../http-head.js';
import { OpenError } from '../open.js';
import type { Session } from '../session.js';
import { round1 } from '../steps.js';

/** Firefox's Connection header (Bugzilla 612394): servers that compare it to "Upgrade" exactly refuse it. */
const FIREFOX_CONNECTION = 'keep-alive, Upgrade';

/** RFC 6455 §4.1 (what the client must verify in a 101) plus the Firefox form of the request. */
export const handshakeCheck: Check = {
  ...checkInfo('handshake'),
  async run(ctx: CheckContext): Promise<CheckOutcome> {
    const s = await ctx.open();
    const { fatal, warnings, facts } = inspect101(s);

    let firefox: string;
    try {
      await ctx.open({ connection: FIREFOX_CONNECTION });
      firefox = `"Connection: ${FIREFOX_CONNECTION}" (Firefox) also got 101`;
    } catch (e) {
      if (!(e instanceof OpenError)) throw e;
      fatal.push(`"Connection: ${FIREFOX_CONNECTION}" (Firefox) was refused: ${e.verdict.summary}`);
      firefox = '';
    }

    const value = round1(s.upgradeMs);
    const evidence = [...fatal, ...warnings, ...facts, ...(firefox ? [firefox] : [])];
    if (fatal.length) {
      const badAccept = fatal.some((f) => f.startsWith('Sec-WebSocket-Accept'));
      return outcome('fail', badAccept ? 'the 101 carries a wrong Sec-WebSocket-Accept: a client must refuse it' : 'the 101 would be refused by a browser', {
        value, unit: 'ms', evidence, verdict: badAccept ? 'bad-accept' : 'bad-response',
        ...(badAccept ? {} : { next: 'fix the server (or the hop that rewrites the handshake) so it follows RFC 6455 §4.2.2' }),
      });
    }
    if (warnings.length) return outcome('warn', '101 accepted, but its head is sloppy: strict clients or hops may choke', { value, unit: 'ms', evidence, verdict: 'bad-response' });
    return outcome('pass', 'valid 101 with the right accept key; Firefox\'s form accepted too', { value, unit: 'ms', evidence });
  },
};

function inspect101(s: Session): { fatal: string[]; warnings: string[]; facts: string[] } {
  const fatal: string[] = [];
  const warnings = [...s.head.problems];
  const facts: string[] = [`HTTP/${s.head.httpVersion} ${s.head.status} ${s.head.statusText} in ${round1(s.upgradeMs)} ms`];

  const upgrade = headerValues(s.head, 'upgrade');
  if (!headerTokens(upgrade).includes('websocket')) fatal.push(`Upgrade: expected "websocket", got ${upgrade.length ? JSON.stringify(upgrade.join(', ')) : 'no header'}`);
  const connection = headerValues(s.head, 'connection');
  if (!headerTokens(connection).includes('upgrade')) fatal.push(`Connection: expected "Upgrade", got ${connection.length ? JSON.stringify(connection.join(', ')) : 'no header'}`);

  const expected = acceptKey(s.key);
  const accepts = headerValues(s.head, 'sec-websocket-accept');
  if (accepts.length === 0) fatal.push(`Sec-WebSocket-Accept missing (key ${s.key}, expected ${expected})`);
  else if (accepts.length > 1) fatal.push(`Sec-WebSocket-Accept sent ${accepts.length} times: ${accepts.join(' | ')}`);
  else if (accepts[0] !== expected) fatal.push(`Sec-WebSocket-Accept: sent key ${s.key}, expected ${expected}, got ${JSON.stringify(accepts[0])}`);
  else facts.push(`Sec-WebSocket-Accept ${accepts[0]} matches key ${s.key}`);

  // §4.1: the client must fail the connection on extensions or a subprotocol it did not offer.
  const ext = headerValues(s.head, 'sec-websocket-extensions');
  if (ext.length) fatal.push(`Sec-WebSocket-Extensions ${JSON.stringify(ext.join(', '))} although none was offered`);
  for (const name of ['upgrade', 'connection', 'sec-websocket-version']) {
    if (headerValues(s.head, name).length > 1) warnings.push(`${name} header repeated`);
  }
  const server = headerValues(s.head, 'server');
  if (server.length) facts.push(`Server: ${server.join(', ')}`);
  return { fatal, warnings, facts };
}
