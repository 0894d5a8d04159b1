import { closeCodeName } from '../protocol/close-codes.js';
import { verdict, type Verdict } from './catalogue.js';

export interface CloseSeen {
  code: number;
  reason: string;
  /** What we were doing: `inspect`, `echo 3`… */
  during: string;
  /** The X-Wstrace-Endpoint name on the 101, if any. */
  marker: string | undefined;
  extensions: string;
  echoes: () => number;
  sentBytes: number;
  errorCode?: string | undefined;
}

/** The peer (or a hop) ended an open connection while we waited: which catalogue entry is it? */
export function diagnoseClose(c: CloseSeen): Verdict {
  const what = `${c.code} ${closeCodeName(c.code)}${c.reason ? ` "${c.reason}"` : ''}`;
  const ev = [`closed with ${what} during ${c.during}`];
  if (c.errorCode) ev.push(`client error ${c.errorCode}`);
  if (c.code === 1009 || c.errorCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return verdict('message-too-big', `a ${c.sentBytes} B message was refused as too big (${c.code})`, ev);
  }
  if (c.code === 1002 && /permessage-deflate/.test(c.extensions)) {
    return verdict('extension-broken', `protocol error with permessage-deflate negotiated: a hop may alter compressed frames`, [...ev, `extensions: ${c.extensions}`]);
  }
  if (c.errorCode?.startsWith('WS_ERR_')) return verdict('protocol-error', `the peer sent an invalid frame (${c.errorCode})`, ev);
  if ((c.code === 1001 || c.code === 1011) && c.echoes() === 0 && !c.marker) {
    return verdict('terminating-hop', `closed ${c.code} right after the 101, and the 101 did not come from a wstrace endpoint`, [
      ...ev, 'no X-Wstrace-Endpoint header on the 101: something in the path answered the upgrade itself',
    ]);
  }
  if (c.code === 1006) {
    return verdict('connection-dropped', `the connection died without a close frame (1006) during ${c.during}`, [
      ...ev, `${c.echoes()} echo(es) had succeeded before`,
    ]);
  }
  return verdict('peer-closed', `the peer closed the connection (${what}) during ${c.during}`, ev);
}
