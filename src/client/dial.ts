import { lookup } from 'node:dns/promises';
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import { deadlineError, type Phase } from '../diagnose/errors.js';
import type { PhaseDetail } from './phase.js';
import { localEnd, remoteEnd } from '../net/sockets.js';
import { NEXT_STEP, verdict } from '../diagnose/catalogue.js';
import { proxyUnreachableVerdict, VerdictError } from '../diagnose/proxy.js';
import { withDeadline } from '../net/deadline.js';
import { errnoOf, messageOf } from '../errors.js';
import type { WsTarget } from '../net/url.js';
import { httpConnect, authority } from '../reach/http-connect.js';
import type { ReachOptions } from '../reach/options.js';
import { applyConnectTo, resolveOverride } from '../reach/overrides.js';
import { proxyFor, type ProxySpec } from '../reach/proxy-url.js';
import { socksConnect } from '../reach/socks5.js';
import { certificateFacts, interceptionVerdict, trustError } from '../reach/tls-check.js';

export interface TlsOptions {
  insecure?: boolean;
  ca?: Buffer;
  /** ALPN offer to the target, most preferred first (RFC 7301); default `http/1.1` only. */
  alpn?: string[];
}

export interface PhaseTiming {
  phase: Phase;
  ms: number;
  detail: PhaseDetail;
}

export class PhaseError extends Error {
  constructor(readonly phase: Phase, readonly reason: unknown) {
    super(`${phase} failed`);
  }
}

type OnPhase = (t: PhaseTiming) => void;

/** Through a forward proxy, resolve and connect are about the proxy: they say which and from where. */
type ProxyTag = { proxy?: string; source?: string };

/**
 * resolve → connect → [proxy] → tls, each under its own deadline. Returns a connected (and, for
 * wss, TLS-established) socket, owned by the caller from then on. On failure nothing is left open.
 * With a forward proxy, resolve and connect are about the proxy and the `proxy` phase is its
 * CONNECT (or SOCKS) exchange; `--connect-to`/`--resolve` change where the bytes go, never the
 * Host header or the TLS name.
 */
export async function dial(target: WsTarget, timeoutMs: number, tls: TlsOptions, onPhase: OnPhase, reach: ReachOptions = {}): Promise<Socket | TLSSocket> {
  const proxy = target.socketPath ? undefined : proxyFor(target, reach.proxy ?? {});
  const to = applyConnectTo(target.host, target.port, reach.connectTo ?? []);
  let socket: Socket;
  if (target.socketPath) {
    socket = await connectPhase({ path: target.socketPath }, {}, timeoutMs, onPhase);
  } else if (proxy) {
    socket = await viaProxy(proxy, to, timeoutMs, tls, reach, onPhase);
  } else {
    const address = await resolvePhase(to.host, to.port, reach, timeoutMs, onPhase, to.rule ? { connectTo: `${authority(to.host, to.port)}` } : {});
    socket = await connectPhase({ host: address, port: to.port }, {}, timeoutMs, onPhase);
  }
  if (!target.secure) return socket;
  return tlsPhase(socket, target, timeoutMs, tls, reach, proxy, onPhase);
}

async function resolvePhase(host: string, port: number, reach: ReachOptions, timeoutMs: number, onPhase: OnPhase, extra: PhaseDetail): Promise<string> {
  const t = performance.now();
  let address = host;
  let family = isIP(host);
  let how = family ? 'literal' : 'dns';
  const pinned = resolveOverride(host, port, reach.resolve ?? []);
  if (pinned) {
    address = pinned;
    family = isIP(pinned);
    how = '--resolve';
  } else if (family === 0) {
    const answer = await withDeadline(lookup(host), timeoutMs, () => deadlineError('resolve', timeoutMs)).catch((e: unknown) => {
      throw new PhaseError('resolve', e);
    });
    address = answer.address;
    family = answer.family;
  }
  onPhase({ phase: 'resolve', ms: performance.now() - t, detail: { host, address, family: `IPv${family}`, by: how, ...extra } });
  return address;
}

async function connectPhase(where: { host: string; port: number } | { path: string }, tag: ProxyTag, timeoutMs: number, onPhase: OnPhase): Promise<Socket> {
  const t = performance.now();
  const socket = netConnect({ ...where, noDelay: true });
  let at: number;
  try {
    at = await withDeadline(once(socket, 'connect'), timeoutMs, () => deadlineError('connect', timeoutMs), () => socket.destroy());
  } catch (e) {
    socket.destroy();
    throw new PhaseError('connect', e);
  }
  const ends = 'path' in where ? { path: where.path, peer: null, local: null } : { peer: remoteEnd(socket), local: localEnd(socket) };
  onPhase({ phase: 'connect', ms: at - t, detail: { ...tag, ...ends } });
  return socket;
}

/** The proxy's own resolve and connect, its TLS for https://, then the CONNECT or SOCKS exchange. */
async function viaProxy(proxy: ProxySpec, to: { host: string; port: number }, timeoutMs: number, tls: TlsOptions, reach: ReachOptions, onPhase: OnPhase): Promise<Socket> {
  const tag: ProxyTag = { proxy: proxy.display, source: proxy.source };
  let address: string;
  let raw: Socket;
  try {
    address = await resolvePhase(proxy.host, proxy.port, reach, timeoutMs, onPhase, tag);
    raw = await connectPhase({ host: address, port: proxy.port }, tag, timeoutMs, onPhase);
  } catch (pe) {
    if (!(pe instanceof PhaseError)) throw pe;
    throw new PhaseError(pe.phase, new VerdictError(proxyUnreachableVerdict(proxy, pe.phase === 'resolve' ? 'resolve' : 'connect', pe.reason, timeoutMs)));
  }
  const t = performance.now();
  let socket: Socket = raw;
  try {
    let proxyTls: string | undefined;
    if (proxy.scheme === 'https') {
      const secure = tlsConnect({ socket: raw, servername: isIP(proxy.host) ? undefined : proxy.host, rejectUnauthorized: !tls.insecure, ca: tls.ca, ALPNProtocols: ['http/1.1'] });
      socket = secure;
      await withDeadline(once(secure, 'secureConnect'), timeoutMs, () => deadlineError('proxy', timeoutMs), () => secure.destroy()).catch((e: unknown) => {
        if (errnoOf(e) === 'ETIMEDOUT_DEADLINE') throw e;
        throw new VerdictError(verdict('tls-failure', `TLS handshake with the proxy ${proxy.display} failed`, [messageOf(e), `the proxy came from ${proxy.source}`],
          'an https:// proxy must present a certificate you trust: --ca FILE (or --insecure); or is it a plain http:// proxy?'));
      });
      proxyTls = secure.getProtocol() ?? undefined;
    }
    let request: string;
    let status: number | undefined;
    if (proxy.scheme === 'socks5' || proxy.scheme === 'socks5h') {
      // socks5: we resolve (with --resolve) and send the address; socks5h: the proxy resolves the name.
      const host = proxy.scheme === 'socks5' ? await resolvePhase(to.host, to.port, reach, timeoutMs, onPhase, {}) : to.host;
      request = `SOCKS5 CONNECT ${authority(host, to.port)}`;
      await socksConnect(socket, proxy, host, to.port, timeoutMs);
    } else {
      // An HTTP proxy gets the name; a --resolve for it pins the address the proxy must use.
      const host = resolveOverride(to.host, to.port, reach.resolve ?? []) ?? to.host;
      request = `CONNECT ${authority(host, to.port)}`;
      const answer = await httpConnect(socket, proxy, host, to.port, timeoutMs);
      status = answer.status;
    }
    onPhase({ phase: 'proxy', ms: performance.now() - t, detail: { ...tag, scheme: proxy.scheme, request, status: status ?? null, ...(proxyTls ? { tls: proxyTls } : {}) } });
    return socket;
  } catch (e) {
    socket.destroy();
    raw.destroy();
    if (e instanceof PhaseError) throw e;
    throw new PhaseError('proxy', e instanceof VerdictError ? e : new VerdictError(proxyUnreachableVerdict(proxy, 'proxy', e, timeoutMs)));
  }
}

/**
 * TLS with the name from --servername (else the URL's host). Verification is ours, after the
 * handshake, so a refused certificate can still be described: who issued it, and, behind a
 * proxy, whether the proxy re-signed it (TLS inspection).
 */
async function tlsPhase(socket: Duplex, target: WsTarget, timeoutMs: number, tls: TlsOptions, reach: ReachOptions, proxy: ProxySpec | undefined, onPhase: OnPhase): Promise<TLSSocket> {
  const t = performance.now();
  const name = reach.servername ?? (isIP(target.host) ? undefined : target.host);
  const secure = tlsConnect({
    socket, servername: name, rejectUnauthorized: false, ca: tls.ca, ALPNProtocols: tls.alpn ?? ['http/1.1'],
    ...(reach.cert ? { cert: reach.cert, key: reach.key, passphrase: reach.passphrase } : {}),
  });
  const fail = async (e: unknown): Promise<never> => {
    secure.destroy();
    socket.destroy();
    throw new PhaseError('tls', e);
  };
  let at: number;
  try {
    at = await withDeadline(once(secure, 'secureConnect'), timeoutMs, () => deadlineError('tls', timeoutMs), () => secure.destroy());
  } catch (e) {
    return fail(e);
  }
  if (reach.cert && secure.getProtocol() === 'TLSv1.3') {
    try {
      await clientCertAccepted(secure, Math.min(timeoutMs, CLIENT_CERT_VERDICT_MS));
    } catch (e) {
      return fail(e);
    }
  }
  const cert: PeerCertificate | undefined = secure.getPeerCertificate(true);
  const facts = certificateFacts(cert);
  if (!tls.insecure) {
    const problem = trustError(secure, name ?? target.host, cert);
    if (problem) {
      if (proxy && problem.chain) {
        const v = await interceptionVerdict({ target, proxy, viaProxy: facts, problem, timeoutMs, tls, reach });
        if (v) return fail(new VerdictError(v));
      }
      return fail(problem.error);
    }
  }
  onPhase({
    phase: 'tls',
    // The handshake's own time; the wait for a client certificate's verdict is not part of it.
    ms: at - t,
    detail: {
      protocol: secure.getProtocol(), cipher: secure.getCipher()?.name, subject: facts.subject, issuer: facts.issuer,
      authorized: !tls.insecure, alpn: secure.alpnProtocol || null, ...(reach.servername ? { servername: reach.servername } : {}), ...(reach.cert ? { clientCert: true } : {}),
    },
  });
  return secure;
}

/** How long a TLS 1.3 client with a certificate waits for the server's judgement of it. */
const CLIENT_CERT_VERDICT_MS = 1_000;

/**
 * In TLS 1.3 the server checks a client certificate after our side of the handshake is done;
 * a refusal is an alert on the next read, which a reset can swallow once we send the upgrade.
 * So wait for the server's first word: a session ticket means accepted, an alert refused. A
 * server that sends no tickets costs at most `ms`.
 */
function clientCertAccepted(secure: TLSSocket, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure.off('session', onSession);
      secure.off('error', onError);
      secure.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    // Writing from inside the session callback corrupts the record layer ("bad record mac"):
    // let the native callback unwind before anyone writes the upgrade.
    const onSession = () => setImmediate(done);
    const onError = (err: Error) => done(err);
    const onClose = () =>
      done(new VerdictError(verdict('client-cert-rejected', 'the server closed the connection as soon as it had checked the client certificate', [
        'TLS 1.3: the handshake completed on our side, then the connection closed before any session ticket or HTTP (no TLS alert reached us)',
      ], NEXT_STEP['client-cert-rejected'])));
    const timer = setTimeout(() => done(), ms);
    secure.on('session', onSession);
    secure.on('error', onError);
    secure.on('close', onClose);
  });
}

/**
 * Resolves on `event` with the time it fired, taken in the socket's callback (not after the
 * promise's turn); rejects on `error` or an early `close`; removes its listeners either way.
 */
export function once(socket: Duplex, event: string): Promise<number> {
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
