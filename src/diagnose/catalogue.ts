// The failure catalogue (see README "Failure catalogue"): every verdict the tool prints
// carries one of these codes. Codes are stable: tests, scripts and `--json` users match on them.

export const VERDICT_CODES = [
  'dns-failure',
  'connect-refused',
  'connect-timeout',
  'connect-failed',
  'tls-failure',
  'tls-intercepted',
  'client-cert-required',
  'client-cert-rejected',
  'proxy-auth-required',
  'proxy-refused',
  'proxy-unreachable',
  'proxy-timeout',
  'upgrade-headers-stripped',
  'handshake-timeout',
  'no-response',
  'bad-response',
  'http-error',
  'origin-rejected',
  'subprotocol-mismatch',
  'bad-accept',
  'extension-broken',
  'message-too-big',
  'idle-timeout',
  'max-lifetime',
  'half-open',
  'close-unanswered',
  'terminating-hop',
  'loop-detected',
  'echo-mismatch',
  'version-downgrade',
  'connection-dropped',
  'peer-closed',
  'protocol-error',
  'h2-not-offered',
  'h2-no-extended-connect',
  'h2-stream-reset',
  'h2-connect-rejected',
  'h2-only-port',
] as const;

export type VerdictCode = (typeof VERDICT_CODES)[number];

const CODES: ReadonlySet<string> = new Set(VERDICT_CODES);

/** A code read from outside (a fixture, a JSON answer): one of the catalogue's? */
export function isVerdictCode(v: unknown): v is VerdictCode {
  return typeof v === 'string' && CODES.has(v);
}

export interface Verdict {
  code: VerdictCode;
  /** One line: what broke. */
  summary: string;
  /** Facts we observed that support the code. */
  evidence: string[];
  /** The next thing to try. */
  next: string;
}

/** Default next step per code; a rule may give a sharper one. */
export const NEXT_STEP: Record<VerdictCode, string> = {
  'dns-failure': 'check the host name; try the IP address directly',
  'connect-refused': 'nothing listens there: check the port and that the server (or the hop) is running',
  'connect-timeout': 'packets are dropped: check firewalls/security groups, or that the host is up',
  'connect-failed': 'the network refused the connection: check routes and the address family',
  'tls-failure': 'check the certificate and SNI; retry with --ca FILE or --insecure to confirm',
  'tls-intercepted': 'a proxy re-signs TLS: trust its CA with --ca FILE, or have the host exempted from inspection',
  'client-cert-required': 'the server wants a client certificate: pass it with --cert FILE --key FILE',
  'client-cert-rejected': 'the server does not accept this client certificate: check which CA it trusts (and the certificate\'s dates and usage)',
  'proxy-auth-required': 'give the proxy credentials in its URL: --proxy http://USER:PASSWORD@HOST:PORT',
  'proxy-refused': 'the proxy\'s rules forbid this tunnel: ask its admins to allow this host and port',
  'proxy-unreachable': 'check the proxy URL (--proxy, or HTTPS_PROXY/HTTP_PROXY/ALL_PROXY) and that the proxy is running',
  'proxy-timeout': 'the proxy did not answer in time: check its address and its logs',
  'upgrade-headers-stripped':
    'make the hop forward Upgrade/Connection (nginx: proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade"; other software: docs/software.md)',
  'handshake-timeout': 'a hop accepted the connection and never answered: check that hop\'s upstream and logs (a TLS terminator with a dead backend looks like this)',
  'no-response': 'the peer closed without an HTTP answer: check that hop\'s logs',
  'bad-response': 'the peer does not speak HTTP/1.1 here: check the port and whether it expects TLS (wss://)',
  'http-error': 'look at the logs of the hop that answered (its Server/Via headers name it)',
  'origin-rejected': 'send the Origin the server allows (--origin), or allow this origin on the server',
  'subprotocol-mismatch': 'check that every hop forwards Sec-WebSocket-Protocol and the server accepts the offered protocol',
  'bad-accept': 'a middlebox rewrote the handshake: bypass hops one at a time to find it',
  'extension-broken': 'disable permessage-deflate on the client or the server, or fix the hop that alters RSV1 frames',
  'message-too-big': 'raise the size limit of the server, or of the gateway that caps messages (an API gateway, a WAF), or send smaller messages',
  'idle-timeout': 'send pings more often than the idle limit, or raise the hop\'s tunnel/read timeout',
  'max-lifetime': 'reconnect before the hop\'s maximum connection age, or raise it',
  'half-open': 'the flow is gone but nobody said so: use application pings with a deadline and reconnect',
  'close-unanswered': 'the peer never answered our close frame: check that the server (and every hop) completes the close handshake',
  'terminating-hop': 'a hop answers the WebSocket itself instead of forwarding it: check its upstream',
  'loop-detected': 'a proxy forwards to itself: check its --target (or two hops share one --name)',
  'echo-mismatch': 'a hop altered the payload in transit: bypass hops one at a time to find it',
  'version-downgrade': 'make the hop forward the upgrade as HTTP/1.1 (nginx: proxy_http_version 1.1; HAProxy and Caddy do by default): RFC 6455 §4.1 requires HTTP/1.1 or later',
  'connection-dropped': 'the connection died without a close frame: check the server and each hop\'s logs at that moment',
  'peer-closed': 'the peer closed the connection on purpose: its close code and reason say why',
  'protocol-error': 'the peer sent frames that break RFC 6455: check the server or a hop that alters frames',
  'h2-not-offered':
    'this port does not speak HTTP/2, so browsers use HTTP/1.1 here: check that path with `--http 1.1`, or enable h2 on the TLS terminator',
  'h2-no-extended-connect':
    'browsers fall back to a separate HTTP/1.1 connection: check that path with `--http 1.1`; to keep WebSockets on h2, enable RFC 8441 on this hop (HAProxy: drop h2-workaround-bogus-websocket-clients)',
  'h2-stream-reset':
    'the hop accepted HTTP/2 but refused the WebSocket stream: check its logs, and whether its backend can take a WebSocket (bisect the path with --http 2)',
  'h2-connect-rejected':
    'the extended CONNECT was answered but not with 200: see who answered (server/via headers) and whether that hop forwards WebSockets over HTTP/2',
  'h2-only-port':
    'this port speaks only HTTP/2: use `--http 2` (h2c prior knowledge for ws://), or point HTTP/1.1 clients at a port that speaks it',
};

export function verdict(code: VerdictCode, summary: string, evidence: string[] = [], next?: string): Verdict {
  return { code, summary, evidence, next: next ?? NEXT_STEP[code] };
}
