import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { deadlineError, type Phase } from '../diagnose/errors.js';
import { withDeadline } from '../net/deadline.js';
import type { WsTarget } from '../net/url.js';

export interface TlsOptions {
  insecure?: boolean;
  ca?: Buffer;
  servername?: string;
}

export interface PhaseTiming {
  phase: Phase;
  ms: number;
  detail: Record<string, unknown>;
}

export class PhaseError extends Error {
  constructor(readonly phase: Phase, readonly reason: unknown) {
    super(`${phase} failed`);
  }
}

/**
 * resolve → connect → tls, each under its own deadline. Returns a connected (and, for wss,
 * TLS-established) socket, owned by the caller from then on. On failure nothing is left open.
 */
export async function dial(
  target: WsTarget,
  timeoutMs: number,
  tls: TlsOptions,
  onPhase: (t: PhaseTiming) => void,
): Promise<Socket | TLSSocket> {
  let t = performance.now();
  let address = target.host;
  let family = isIP(target.host);
  if (family === 0) {
    const answer = await withDeadline(lookup(target.host), timeoutMs, () => deadlineError('resolve', timeoutMs)).catch((e: unknown) => {
      throw new PhaseError('resolve', e);
    });
    address = answer.address;
    family = answer.family;
  }
  onPhase({ phase: 'resolve', ms: performance.now() - t, detail: { host: target.host, address, family: `IPv${family}` } });

  t = performance.now();
  const socket = netConnect({ host: address, port: target.port, noDelay: true });
  let at: number;
  try {
    at = await withDeadline(once(socket, 'connect'), timeoutMs, () => deadlineError('connect', timeoutMs), () => socket.destroy());
  } catch (e) {
    socket.destroy();
    throw new PhaseError('connect', e);
  }
  onPhase({ phase: 'connect', ms: at - t, detail: { address, port: target.port, local: `${socket.localAddress}:${socket.localPort}` } });
  if (!target.secure) return socket;

  t = performance.now();
  const servername = tls.servername ?? (isIP(target.host) ? undefined : target.host);
  const secure = tlsConnect({ socket, servername, rejectUnauthorized: !tls.insecure, ca: tls.ca, ALPNProtocols: ['http/1.1'] });
  try {
    at = await withDeadline(once(secure, 'secureConnect'), timeoutMs, () => deadlineError('tls', timeoutMs), () => secure.destroy());
  } catch (e) {
    secure.destroy();
    socket.destroy();
    throw new PhaseError('tls', e);
  }
  const cert = secure.getPeerCertificate();
  onPhase({
    phase: 'tls',
    ms: at - t,
    detail: { protocol: secure.getProtocol(), cipher: secure.getCipher()?.name, subject: cert?.subject?.CN ?? null, authorized: secure.authorized },
  });
  return secure;
}

/**
 * Resolves on `event` with the time it fired, taken in the socket's callback (not after the
 * promise's turn); rejects on `error` or an early `close`; removes its listeners either way.
 */
function once(socket: Socket, event: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      socket.off(event, onEvent);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const onEvent = () => {
      const at = performance.now();
      cleanup();
      resolve(at);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(Object.assign(new Error('socket closed'), { code: 'ECONNRESET' }));
    };
    socket.on(event, onEvent);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}
