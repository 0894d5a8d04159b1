import { errnoOf, messageOf } from '../errors.js';
import { verdict, type Verdict } from './catalogue.js';
import { VerdictError } from './proxy.js';
import { h2FramesIn } from '../protocol/h2.js';

export type Phase = 'resolve' | 'connect' | 'proxy' | 'tls' | 'settings' | 'upgrade' | 'redirect' | 'open' | 'echo' | 'close';

// TLS alerts a server sends about the client's certificate (RFC 8446 §6.2). With TLS 1.3 the
// server judges the certificate after our handshake is done, so the alert arrives as the first
// read: in the upgrade phase, not the tls phase.
const CERT_REQUIRED = /alert certificate required|CERTIFICATE_REQUIRED/i;
const CERT_REJECTED = /alert (unknown ca|bad certificate|certificate unknown|certificate revoked|certificate expired|unsupported certificate|access denied)|ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_REVOKED|CERTIFICATE_EXPIRED|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)/i;

/** What the caller knows beyond the error: wss:// (a hang-up after TLS means another thing), a client certificate offered. */
export interface ErrorContext {
  secure?: boolean;
  clientCert?: boolean;
}

/** A socket-level error or expired deadline in a given phase → catalogue entry. */
export function diagnoseError(phase: Phase, err: unknown, target: string, timeoutMs?: number, how: ErrorContext = {}): Verdict {
  if (err instanceof VerdictError) return err.verdict;
  const secure = how.secure ?? false;
  const sentClientCert = how.clientCert ?? false;
  const errno = errnoOf(err);
  const msg = messageOf(err);
  const alert = /alert ([a-z ]+?)(?::|$)/i.exec(msg)?.[1];
  const alertLine = `TLS alert from the server: ${alert ?? msg}${errno ? ` (${errno})` : ''}`;
  if (CERT_REQUIRED.test(msg) || (!sentClientCert && /alert handshake failure/i.test(msg) && (phase === 'tls' || phase === 'upgrade'))) {
    return verdict('client-cert-required', `${target} requires a client certificate${sentClientCert ? '' : ' and none was sent'}`, [alertLine],
      sentClientCert ? 'the server did not accept the one sent: check that --cert and --key are the pair its CA signed' : 'pass one with --cert FILE --key FILE (and --pass if the key is encrypted)');
  }
  if (CERT_REJECTED.test(msg)) {
    return verdict('client-cert-rejected', `${target} rejected the client certificate${sentClientCert ? '' : ' (none was sent)'}`, [alertLine],
      'the server does not trust its issuer: use a certificate signed by the CA the server was given (its client CA), and check the dates');
  }
  // Node's messages usually name the errno already ("connect ECONNREFUSED 127.0.0.1:1"); our own
  // deadline's errno is an internal marker. Prefix the errno only when the message lacks it.
  const ev = [errno && errno !== 'ETIMEDOUT_DEADLINE' && !msg.includes(errno) ? `${errno}: ${msg}` : msg];
  if (phase === 'resolve') return verdict('dns-failure', `cannot resolve ${target}`, ev);
  if (phase === 'connect') {
    if (errno === 'ETIMEDOUT_DEADLINE') return verdict('connect-timeout', `no TCP answer from ${target} within ${timeoutMs} ms`, ev);
    if (errno === 'ECONNREFUSED') return verdict('connect-refused', `${target} refused the connection`, ev);
    if (errno === 'ETIMEDOUT') return verdict('connect-timeout', `no TCP answer from ${target}`, ev);
    // The TCP handshake completed (a refusal would be ECONNREFUSED) and the peer reset at once:
    // what HAProxy/ELB do with no healthy backend, or a firewall that kills new flows.
    if (errno === 'ECONNRESET') {
      return verdict('no-response', `${target} accepted the connection and reset it before any answer`, ev,
        'a hop with no healthy backend, or a firewall, resets new connections: check that hop\'s backends and logs');
    }
    return verdict('connect-failed', `cannot connect to ${target}`, ev);
  }
  if (phase === 'tls') {
    if (errno === 'ETIMEDOUT_DEADLINE') {
      return verdict('tls-failure', `no TLS answer from ${target} within ${timeoutMs} ms`, ev,
        'the port accepts TCP but does not speak TLS: is it plain ws:// rather than wss://?');
    }
    if (errno === 'EPROTO' || /wrong version number|packet length too long|unknown protocol/i.test(msg)) {
      return verdict('tls-failure', `${target} does not speak TLS on this port`, ev, 'use ws:// for a plain-HTTP port, or the TLS port for wss://');
    }
    return verdict('tls-failure', `TLS handshake with ${target} failed`, ev);
  }
  if (phase === 'upgrade') {
    if (errno === 'ETIMEDOUT_DEADLINE') {
      return verdict('handshake-timeout', `${target} accepted the connection but sent no HTTP answer within ${timeoutMs} ms`, ev);
    }
    if (errno === 'ECONNRESET' || errno === 'EPIPE' || errno === 'ERR_NO_RESPONSE') {
      // A TLS-only port drops plain HTTP without a word: the likeliest cause on a fresh setup.
      return verdict('no-response', `${target} closed the connection without answering the upgrade`, ev, secure
        ? 'the hop took the TLS handshake and then hung up: its logs say why (often a backend it cannot reach, or a TCP-mode balancer with no server)'
        : 'check the hop\'s logs; if that port expects TLS, use wss:// (a TLS port hangs up on plain HTTP like this)');
    }
    // An h2-only port answers an HTTP/1.1 request with its SETTINGS (and a GOAWAY): binary frames
    // where the status line should be. Node's parser error keeps those bytes.
    const raw = typeof err === 'object' && err !== null && 'rawPacket' in err ? err.rawPacket : undefined;
    const frames = Buffer.isBuffer(raw) ? h2FramesIn(raw) : [];
    if (frames.length) {
      return verdict('h2-only-port', `${target} speaks only HTTP/2: it answered the HTTP/1.1 upgrade with h2 frames`, [
        `received ${frames.join(', ')} instead of an HTTP/1.1 status line`, ...ev,
      ]);
    }
    if (errno?.startsWith('HPE_')) return verdict('bad-response', `${target} answered with something that is not HTTP/1.1`, ev);
    return verdict('no-response', `the upgrade to ${target} failed before any answer`, ev);
  }
  return verdict('connection-dropped', `the connection to ${target} failed in the ${phase} phase`, ev);
}

const PHASE_WAIT: Record<Phase, string> = {
  resolve: 'DNS lookup sent',
  connect: 'TCP SYN sent',
  proxy: 'tunnel request sent to the proxy, waiting for its answer',
  tls: 'TLS ClientHello sent',
  settings: 'h2 preface sent, waiting for the server\'s SETTINGS',
  upgrade: 'upgrade request sent, waiting for the status line',
  redirect: 'following a redirect',
  open: 'waiting for the connection to open',
  echo: 'message sent, waiting for the echo',
  close: 'close frame sent, waiting for the peer\'s',
};

/** An Error whose errno marks our own deadline, so the phase knows it was a timeout. */
export function deadlineError(phase: Phase, ms: number): Error & { code: string } {
  return Object.assign(new Error(`${PHASE_WAIT[phase]}: nothing within the ${ms} ms deadline (--timeout)`), { code: 'ETIMEDOUT_DEADLINE' });
}
