// Certificate checks done by hand after the handshake, so a refused certificate can still be
// described, and TLS interception by a forward proxy told apart from a plain bad certificate.
import { isIP, connect as netConnect, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { lookup } from 'node:dns/promises';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { errnoOf, messageOf } from '../errors.js';
import type { WsTarget } from '../net/url.js';
import type { ReachOptions } from './options.js';
import { applyConnectTo, resolveOverride } from './overrides.js';
import type { ProxySpec } from './proxy-url.js';

export interface CertFacts {
  subject: string | null;
  /** e.g. `CN=mitmproxy, O=mitmproxy`. */
  issuer: string | null;
  fingerprint: string | null;
}

export function certificateFacts(cert: PeerCertificate | undefined): CertFacts {
  if (!cert || !cert.subject) return { subject: null, issuer: null, fingerprint: null };
  const cn = cert.subject.CN ?? cert.subject.O;
  return { subject: cn === undefined ? null : String(cn), issuer: dn(cert.issuer), fingerprint: cert.fingerprint256 ?? null };
}

function dn(name: PeerCertificate['issuer'] | undefined): string | null {
  if (!name) return null;
  const parts = (['CN', 'O', 'OU'] as const).filter((k) => name[k]).map((k) => `${k}=${String(name[k])}`);
  return parts.length ? parts.join(', ') : null;
}

// OpenSSL's verify codes, in words (Node hands over only the code after a handshake we let through).
const TRUST_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
};

export interface TrustProblem {
  error: Error & { code: string };
  /** The chain is not trusted (as opposed to a name mismatch or a date). */
  chain: boolean;
}

/** What Node's `rejectUnauthorized` would have refused: an untrusted chain, or the wrong name. */
export function trustError(secure: TLSSocket, name: string, cert: PeerCertificate | undefined): TrustProblem | undefined {
  if (!secure.authorized) {
    const code = String(secure.authorizationError ?? 'UNTRUSTED');
    const error = Object.assign(new Error(`${code}: ${TRUST_TEXT[code] ?? 'certificate not trusted'}`), { code });
    return { error, chain: !/EXPIRED|NOT_YET_VALID/.test(code) };
  }
  if (!cert) return { error: Object.assign(new Error('the server sent no certificate'), { code: 'ERR_NO_CERT' }), chain: false };
  const mismatch = checkServerIdentity(name, cert);
  if (mismatch) return { error: Object.assign(mismatch, { code: errnoOf(mismatch) ?? 'ERR_TLS_CERT_ALTNAME_INVALID' }), chain: false };
  return undefined;
}

export interface InterceptionInput {
  target: WsTarget;
  proxy: ProxySpec;
  viaProxy: CertFacts;
  problem: TrustProblem;
  timeoutMs: number;
  tls: { ca?: Buffer | undefined };
  reach: ReachOptions;
}

/**
 * The certificate through the proxy is not trusted: fetch the one the direct path presents and
 * compare. A different certificate means the proxy re-signed it (TLS inspection). The same one
 * means the target's own certificate is the problem (undefined: the caller reports it as is).
 */
export async function interceptionVerdict(i: InterceptionInput): Promise<Verdict | undefined> {
  const direct = await directCertificate(i.target, i.reach, Math.min(i.timeoutMs, 3_000));
  const name = i.reach.servername ?? i.target.host;
  const through = `the certificate for ${name} through proxy ${i.proxy.display}`;
  const viaLine = `through the proxy: subject ${i.viaProxy.subject ?? '?'}, issuer ${i.viaProxy.issuer ?? '?'}, sha256 ${short(i.viaProxy.fingerprint)}`;
  const next = `the proxy inspects TLS: trust its CA with --ca FILE (your IT department has it; mitmproxy keeps it in ~/.mitmproxy/mitmproxy-ca-cert.pem), or ask for ${name} to be exempt from inspection`;
  if ('error' in direct) {
    return verdict('tls-failure', `${through} is issued by "${i.viaProxy.issuer ?? 'unknown'}" and is not trusted (${i.problem.error.code})`,
      [viaLine, `could not compare with the direct path: ${direct.error}`],
      `if "${i.viaProxy.issuer ?? 'that issuer'}" is your company's TLS-inspection CA, trust it with --ca FILE; otherwise check the server's certificate`);
  }
  if (direct.facts.fingerprint === i.viaProxy.fingerprint) return undefined;
  return verdict('tls-intercepted',
    `proxy ${i.proxy.display} re-signs TLS (inspection): the certificate for ${name} is issued by "${i.viaProxy.issuer ?? 'unknown'}" through it, by "${direct.facts.issuer ?? 'unknown'}" directly`,
    [viaLine, `directly: subject ${direct.facts.subject ?? '?'}, issuer ${direct.facts.issuer ?? '?'}, sha256 ${short(direct.facts.fingerprint)}`, `${i.problem.error.code}: the re-signed certificate is not trusted`],
    next);
}

const short = (fp: string | null) => (fp ? `${fp.slice(0, 23)}…` : '?');

/** The certificate the target presents without the proxy (same name, same overrides), no trust checks; bounded by `ms`. */
function directCertificate(target: WsTarget, reach: ReachOptions, ms: number): Promise<{ facts: CertFacts } | { error: string }> {
  const to = applyConnectTo(target.host, target.port, reach.connectTo ?? []);
  return new Promise((resolve) => {
    let raw: Socket | undefined;
    let secure: TLSSocket | undefined;
    let settled = false;
    const done = (r: { facts: CertFacts } | { error: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      raw?.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ error: `no TLS answer within ${ms} ms` }), ms);
    const pinned = resolveOverride(to.host, to.port, reach.resolve ?? []) ?? (isIP(to.host) ? to.host : undefined);
    const address = pinned ? Promise.resolve(pinned) : lookup(to.host).then((a) => a.address);
    address.then((addr) => {
      if (settled) return;
      raw = netConnect({ host: addr, port: to.port });
      const name = reach.servername ?? (isIP(target.host) ? undefined : target.host);
      secure = tlsConnect({ socket: raw, servername: name, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      secure.once('secureConnect', () => done({ facts: certificateFacts(secure!.getPeerCertificate()) }));
      secure.once('error', (e) => done({ error: messageOf(e) }));
      raw.once('error', (e) => done({ error: messageOf(e) }));
    }, (e: unknown) => done({ error: messageOf(e) }));
  });
}
