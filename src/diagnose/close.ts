import { closeCodeName } from '../protocol/close-codes.js';
import { verdict, type Verdict } from './catalogue.js';
import { adviceFor, type Sighting } from './identify.js';

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
  /** Age of the connection when it ended, ms since open. */
  ageMs?: () => number;
  /** Silence before it ended: ms since the last message either way. */
  idleMs?: () => number;
  /** Software the 101 named (Server, Via…): its idle setting is the fix. */
  software?: Sighting[];
}

// A drop is called idle when the connection had been silent for at least this long and for at
// least half its life: a hop's idle timer (nginx proxy_read_timeout, HAProxy timeout tunnel).
const IDLE_MIN_MS = 1_000;

/** Errors ws raises when a compressed message was mangled on the way (RFC 7692). */
const DEFLATE_DAMAGE = /^(WS_ERR_INVALID_UTF8|WS_ERR_UNEXPECTED_RSV_1|Z_DATA_ERROR|Z_BUF_ERROR)$/;

/** The peer (or a hop) ended an open connection while we waited: which catalogue entry is it? */
export function diagnoseClose(c: CloseSeen): Verdict {
  const what = `${c.code} ${closeCodeName(c.code)}${c.reason ? ` "${c.reason}"` : ''}`;
  const ev = [`closed with ${what} during ${c.during}`];
  if (c.errorCode) ev.push(`client error ${c.errorCode}`);
  if (c.code === 1009 || c.errorCode === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
    return verdict('message-too-big', `a ${c.sentBytes} B message was refused as too big (${c.code})`, ev);
  }
  const deflate = /permessage-deflate/.test(c.extensions);
  if (deflate && (c.code === 1002 || c.code === 1007 || DEFLATE_DAMAGE.test(c.errorCode ?? ''))) {
    return verdict('extension-broken', `frames broke with permessage-deflate negotiated: a hop may alter compressed frames (RSV1)`,
      [...ev, `extensions: ${c.extensions}`], 'retry with --no-deflate: if that works, a hop mangles compressed frames; fix or bypass it, or disable compression');
  }
  if (c.errorCode?.startsWith('WS_ERR_')) return verdict('protocol-error', `the peer sent an invalid frame (${c.errorCode})`, ev);
  if ((c.code === 1001 || c.code === 1011) && c.echoes() === 0 && !c.marker) {
    return verdict('terminating-hop', `closed ${c.code} right after the 101, and the 101 did not come from a wstrace endpoint`, [
      ...ev, 'no X-Wstrace-Endpoint header on the 101: something in the path answered the upgrade itself',
    ]);
  }
  if (c.code === 1006 && !c.errorCode) {
    const idle = c.idleMs?.() ?? 0;
    const age = c.ageMs?.() ?? 0;
    if (idle >= IDLE_MIN_MS && idle >= age / 2) {
      return verdict('idle-timeout', `the connection died without a close frame after ${(idle / 1000).toFixed(1)} s of silence`, [
        ...ev, `age ${(age / 1000).toFixed(1)} s, silent for the last ${(idle / 1000).toFixed(1)} s: a hop's idle timer fits`,
        `confirm and measure it: wstrace probe <url> --check idle-timeout`,
      ], c.software?.length ? adviceFor(c.software, 'idle') : undefined);
    }
  }
  if (c.code === 1006) {
    if (c.ageMs && c.idleMs) ev.push(`age ${(c.ageMs() / 1000).toFixed(1)} s, last message ${(c.idleMs() / 1000).toFixed(1)} s before`);
    return verdict('connection-dropped', `the connection died without a close frame (1006) during ${c.during}`, [
      ...ev, `${c.echoes()} echo(es) had succeeded before`,
    ]);
  }
  return verdict('peer-closed', `the peer closed the connection (${what}) during ${c.during}`, ev);
}
