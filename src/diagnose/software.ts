/**
 * The knowledge base: how each widely deployed hop shows itself in an answer, the error pages it
 * writes itself, and the exact setting that fixes each WebSocket problem in *that* software.
 * One table, read by the diagnosis (src/diagnose/identify.ts) and rendered into docs/software.md
 * (test/software-doc.test.ts keeps the two the same). Add a row here, never a string elsewhere.
 */
import type { VerdictCode } from './catalogue.js';

/** The problems a hop's configuration causes, each with its own fix per software. */
export const PROBLEM_KINDS = ['upgrade', 'upstream', 'idle'] as const;
export type Problem = (typeof PROBLEM_KINDS)[number];

export const PROBLEMS: Record<Problem, string> = {
  upgrade: 'does not forward the upgrade (Upgrade/Connection stripped)',
  upstream: 'cannot reach or get an answer from its upstream (502/503/504 of its own)',
  idle: 'cuts open WebSockets after a silence or at a fixed age',
};

/** An error page (or error header) the software writes itself: it names the cause. */
export interface Page {
  /** Matched against `status` (when given), the body, and the headers named in `header`. */
  status?: number[];
  body?: RegExp;
  header?: [name: string, pattern: RegExp];
  /** What happened, in one clause: "nginx got plain HTTP on its TLS port". */
  means: string;
  /** The catalogue entry this page is evidence for (default: http-error). */
  code?: VerdictCode;
  /** Which fix applies, or a sharper one of its own. */
  fix: Problem | string;
}

export interface Software {
  id: string;
  name: string;
  /** Headers that identify it (lower-case names); a Via received-by or comment pattern. */
  headers: [name: string, pattern: RegExp][];
  via?: RegExp;
  pages: Page[];
  fix: Record<Problem, string>;
  /** Where the fix is documented by the software's authors. */
  docs: string;
}

export const SOFTWARE: readonly Software[] = [
  {
    id: 'nginx',
    name: 'nginx',
    headers: [['server', /^(nginx|openresty)\b/i]],
    pages: [
      { status: [400], body: /The plain HTTP request was sent to HTTPS port/i, means: 'nginx received plain HTTP on a port it serves with TLS', code: 'tls-failure', fix: 'tls-port' },
      { status: [400], body: /No required SSL certificate was sent/i, means: 'nginx requires a TLS client certificate (ssl_verify_client) and none was sent', code: 'tls-failure', fix: 'client-cert' },
      { status: [400], body: /The SSL certificate error/i, means: 'nginx rejected the TLS client certificate (ssl_verify_client)', code: 'tls-failure', fix: 'client-cert' },
      { status: [400, 431, 494], body: /Request Header Or Cookie Too Large/i, means: 'a request header or cookie is larger than nginx\'s large_client_header_buffers', fix: 'nginx refuses request headers larger than `large_client_header_buffers` (default 4 8k): raise it in the server block, or send smaller cookies/headers' },
      { status: [500], body: /<center>nginx/i, means: 'nginx itself failed the request: with `auth_request`, this is what an auth subrequest answering anything but 2xx/401/403 looks like', fix: 'nginx\'s error.log names the failure ("auth request unexpected status: …" when `auth_request` is configured): fix the auth service or the location' },
    ],
    fix: {
      upgrade: 'in the location: `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection "upgrade";`',
      upstream: 'check the `proxy_pass` address and that the upstream runs; nginx\'s error.log says why ("connect() failed (111: Connection refused) while connecting to upstream", "upstream timed out")',
      idle: 'raise `proxy_read_timeout` (and `proxy_send_timeout`; default 60s) in the location, or ping more often',
    },
    docs: 'https://nginx.org/en/docs/http/websocket.html',
  },
  {
    id: 'apache',
    name: 'Apache httpd',
    headers: [['server', /^Apache\b/i]],
    via: /\bApache\b/i,
    pages: [
      { status: [400], body: /speaking plain HTTP to an SSL-enabled server port/i, means: 'Apache received plain HTTP on a port it serves with TLS', code: 'tls-failure', fix: 'tls-port' },
      { status: [400], body: /Size of a request header field exceeds server limit/i, means: 'a request header is larger than Apache\'s LimitRequestFieldSize', fix: 'raise `LimitRequestFieldSize` (default 8190 bytes), or send smaller headers/cookies' },
      { status: [503], body: /The server is temporarily unable to service your\s+request/i, means: 'Apache could not connect to its backend (mod_proxy answers 503, and then skips that backend for `retry` seconds)', fix: 'upstream' },
      { status: [502], body: /The proxy server received an invalid\s+response from an upstream server/i, means: 'Apache got an invalid answer (or none) from its backend', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'enable mod_proxy_wstunnel (`a2enmod proxy_wstunnel`) and route the path with `ProxyPass /echo ws://backend/echo` before the http:// ProxyPass, or (2.4.47+) add `upgrade=websocket` to the http:// `ProxyPass`',
      upstream: 'check the `ProxyPass` target and that the backend runs; the error_log names the failed connect (AH00957/AH01114), and after one failure mod_proxy skips the backend for `retry=` seconds (default 60)',
      idle: 'raise `ProxyWebsocketIdleTimeout` (mod_proxy_wstunnel), or `ProxyTimeout` / the ProxyPass `timeout=` parameter',
    },
    docs: 'https://httpd.apache.org/docs/2.4/mod/mod_proxy_wstunnel.html',
  },
  {
    id: 'caddy',
    name: 'Caddy',
    headers: [['server', /^Caddy\b/i]],
    pages: [],
    fix: {
      upgrade: 'Caddy\'s `reverse_proxy` forwards upgrades by itself: remove any `header_up -Upgrade` / `header_up -Connection` (or `request_header` rule that deletes them), and do not force `transport http { versions 2 }` or `h2c` for this upstream',
      upstream: 'an empty 502 from Caddy means `reverse_proxy` could not dial its upstream: check the upstream address; Caddy\'s log says why ("dial tcp …: connect: connection refused")',
      idle: 'Caddy keeps upgraded streams open by default: check `stream_timeout` / `stream_close_delay` in `reverse_proxy`, and config reloads (they close streams unless `stream_close_delay` is set)',
    },
    docs: 'https://caddyserver.com/docs/caddyfile/directives/reverse_proxy',
  },
  {
    id: 'haproxy',
    name: 'HAProxy',
    headers: [],
    pages: [
      { status: [503], body: /No server is available to handle this request/i, means: 'HAProxy has no server UP in the backend', fix: 'every `server` of the backend is DOWN, or none is configured: check the `server` lines and the health check — `option httpchk GET /ws-path` fails on a WebSocket path (it answers a plain GET with 400/426), so check a health URL instead or `http-check expect status 426`' },
      { status: [502], body: /The server returned an invalid or incomplete response/i, means: 'HAProxy got an invalid answer (or none) from its server', fix: 'upstream' },
      { status: [504], body: /The server didn't respond in time/i, means: 'HAProxy\'s server did not answer the upgrade within `timeout server`', fix: 'upstream' },
      { status: [403], body: /Request forbidden by administrative rules/i, means: 'an HAProxy `http-request deny` rule refused the request', fix: 'an `http-request deny` rule matched this upgrade: check its ACL (e.g. one on `hdr(upgrade)` or the path)' },
      { status: [400], body: /Your browser sent an invalid request/i, means: 'HAProxy could not parse the request', fix: 'HAProxy refused the request as malformed: `show errors` on its stats socket shows the bytes' },
    ],
    fix: {
      upgrade: 'HAProxy in `mode http` forwards upgrades by itself: remove `http-request del-header Upgrade|Connection` / `set-header Connection close` rules for this path, and do not send the path to an `proto h2` server',
      upstream: 'check the backend\'s `server` address and health check; HAProxy\'s log line for the request shows the termination state (e.g. `SC--` = the server refused the connection)',
      idle: 'set `timeout tunnel` (it replaces `timeout client`/`timeout server` once the 101 is through), longer than the app\'s silences',
    },
    docs: 'https://docs.haproxy.org/2.6/configuration.html#4-timeout%20tunnel',
  },
  {
    id: 'envoy',
    name: 'Envoy',
    headers: [['server', /^envoy\b/i], ['x-envoy-upstream-service-time', /./]],
    pages: [
      { body: /upstream connect error or disconnect\/reset before headers/i, means: 'Envoy could not connect to (or lost) the upstream before it answered', fix: 'upstream' },
      { status: [503], body: /^no healthy upstream/i, means: 'Envoy has no healthy endpoint in the cluster', fix: 'upstream' },
      { status: [404], body: /^$/, header: ['server', /^envoy\b/i], means: 'no Envoy route matched this host/path', fix: 'add a route for this host and path (virtual_hosts → routes), with `upgrade_configs: [{upgrade_type: websocket}]`' },
    ],
    fix: {
      upgrade: 'add `upgrade_configs: [{upgrade_type: websocket}]` to the HttpConnectionManager (or the route)',
      upstream: 'check the cluster\'s endpoints and health checks; the `response_flags` in Envoy\'s access log (UF, UH, UT) say which failure it was',
      idle: 'set the route\'s `timeout: 0s` and raise `idle_timeout` (route / HttpConnectionManager `stream_idle_timeout`, default 5 min)',
    },
    docs: 'https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades',
  },
  {
    id: 'istio',
    name: 'Istio (Envoy sidecar/gateway)',
    headers: [['server', /^istio-envoy\b/i]],
    pages: [],
    fix: {
      upgrade: 'Istio forwards WebSocket on HTTP routes by default: check for an EnvoyFilter that removes `upgrade_configs`, a DestinationRule with `h2UpgradePolicy: UPGRADE` for this service, and that the Service port is named `http`/`http-*` (not `tcp`/`grpc`)',
      upstream: 'check the destination service\'s pods and the `response_flags` in the sidecar\'s access log (UF, UH, URX)',
      idle: 'set the VirtualService route `timeout: 0s` and the DestinationRule `connectionPool.http.idleTimeout`',
    },
    docs: 'https://istio.io/latest/docs/ops/configuration/traffic-management/protocol-selection/',
  },
  {
    id: 'traefik',
    name: 'Traefik',
    headers: [],
    pages: [
      { status: [503], body: /^no available server/i, means: 'Traefik has no healthy server for this service', fix: 'upstream' },
      { status: [404], body: /^404 page not found\s*$/, means: 'no Traefik router matched this host/path (also Go\'s default 404)', fix: 'add a router rule (Host/PathPrefix) for this path; Traefik forwards WebSocket upgrades by itself' },
    ],
    fix: {
      upgrade: 'Traefik forwards upgrades by itself: remove any `headers` middleware that sets `Upgrade` or `Connection` to "" for this router',
      upstream: 'check the service\'s `loadBalancer.servers` URL and health check; Traefik\'s access log shows the upstream error',
      idle: 'raise the entryPoint\'s `transport.respondingTimeouts.readTimeout` (v3 default 60s) and `idleTimeout`',
    },
    docs: 'https://doc.traefik.io/traefik/routing/entrypoints/#respondingtimeouts',
  },
  {
    id: 'squid',
    name: 'squid',
    headers: [['server', /^squid\b/i], ['x-squid-error', /./]],
    via: /\bsquid\b/i,
    pages: [
      { header: ['x-squid-error', /^ERR_CONNECT_FAIL/], means: 'squid could not connect to its upstream (cache_peer or origin)', fix: 'upstream' },
      { header: ['x-squid-error', /^ERR_READ_TIMEOUT/], means: 'squid\'s upstream did not answer within `read_timeout`', fix: 'upstream' },
      { header: ['x-squid-error', /^ERR_DNS_FAIL/], means: 'squid could not resolve its upstream\'s name', fix: 'upstream' },
      { header: ['x-squid-error', /^ERR_ACCESS_DENIED/], means: 'an `http_access deny` rule refused the request', fix: 'allow the request in squid\'s `http_access` rules' },
      { header: ['x-squid-error', /^ERR_(INVALID_REQ|PROTOCOL_UNKNOWN|UNSUP_REQ)/], means: 'squid refused the request as invalid or unsupported', fix: 'upgrade' },
    ],
    fix: {
      upgrade: 'add `http_upgrade_request_protocols websocket allow all` (squid 5+; the protocol name is matched case-sensitively, so "WebSocket" is not "websocket"); older squid cannot forward upgrades',
      upstream: 'check the `cache_peer` address (accelerator mode) and squid\'s cache.log',
      idle: 'raise `read_timeout` (default 15 minutes) and `client_lifetime`',
    },
    docs: 'https://www.squid-cache.org/Doc/config/http_upgrade_request_protocols/',
  },
  {
    id: 'tinyproxy',
    name: 'tinyproxy',
    headers: [['server', /^tinyproxy\b/i]],
    via: /\btinyproxy\b/i,
    pages: [
      { body: /Unable to connect to upstream proxy|Unable to connect/i, header: ['server', /^tinyproxy\b/i], means: 'tinyproxy could not connect to its upstream', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'tinyproxy cannot forward WebSocket upgrades as a reverse proxy (it drops Upgrade): send WebSocket traffic around it, or use it only as a forward proxy with CONNECT (wss://)',
      upstream: 'check the `Upstream`/`ReversePath` target and tinyproxy\'s log',
      idle: 'raise `Timeout` (default 600 s)',
    },
    docs: 'https://tinyproxy.github.io/',
  },
  {
    id: 'varnish',
    name: 'Varnish',
    headers: [['x-varnish', /./]],
    via: /\bvarnish\b/i,
    pages: [
      { status: [503], body: /Backend fetch failed|Guru Meditation/i, means: 'Varnish could not get an answer from its backend', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'Varnish must pipe upgrades: in `vcl_recv`: `if (req.http.upgrade ~ "(?i)websocket") { return (pipe); }`, and in `vcl_pipe` copy `req.http.upgrade`/`req.http.connection` to `bereq`',
      upstream: 'check the `backend` definition and its probe; `varnishlog -g request` shows the FetchError',
      idle: 'raise the `pipe_timeout` parameter (default 60s)',
    },
    docs: 'https://varnish-cache.org/docs/trunk/users-guide/vcl-example-websockets.html',
  },
  {
    id: 'iis',
    name: 'IIS / ARR',
    headers: [['server', /^Microsoft-IIS\b/i], ['x-powered-by', /\bARR\b/i]],
    pages: [
      { status: [502], body: /HTTP Error 502\.3/i, means: 'IIS/ARR got an error or timeout from its backend', fix: 'upstream' },
      { status: [502], body: /HTTP Error 502\.2|HTTP Error 502\.5/i, means: 'the IIS backend process failed to start or answered badly', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'install the "WebSocket Protocol" IIS feature and set `<webSocket enabled="true" />` under system.webServer (with iisnode, set it to false so Node handles the upgrade); ARR forwards upgrades only with that feature',
      upstream: 'check the ARR server farm / rewrite rule target; the "HTTP Error 502.x" sub-code says which failure it was',
      idle: 'raise ARR\'s proxy `timeout` (server farm → Proxy → Time-out) and the `<webSocket pingInterval>`',
    },
    docs: 'https://learn.microsoft.com/en-us/iis/configuration/system.webserver/websocket',
  },
  {
    id: 'kong',
    name: 'Kong',
    headers: [['server', /^kong\b/i], ['x-kong-proxy-latency', /./], ['x-kong-response-latency', /./]],
    via: /\bkong\b/i,
    pages: [
      { status: [404], body: /no Route matched with those values/i, means: 'no Kong route matched this host/path', fix: 'add a Kong route for this path whose `protocols` include http/https (or ws/wss)' },
      { status: [503], body: /failure to get a peer from the ring-balancer|name resolution failed/i, means: 'Kong has no healthy target in the upstream', fix: 'upstream' },
      { status: [502], body: /An invalid response was received from the upstream server/i, means: 'Kong got an invalid answer from its upstream', fix: 'upstream' },
      { status: [401, 403], body: /No API key found in request|Unauthorized|You cannot consume this service/i, means: 'a Kong auth plugin refused the request', fix: 'the route\'s auth plugin (key-auth, jwt, acl…) wants credentials: pass them with --header' },
    ],
    fix: {
      upgrade: 'make the route\'s `protocols` include http/https (Kong OSS proxies upgrades on them) or ws/wss, and remove request-transformer rules that drop Upgrade/Connection',
      upstream: 'check the service\'s host/port or the upstream\'s targets and health checks',
      idle: 'raise the service\'s `read_timeout` and `write_timeout` (default 60000 ms)',
    },
    docs: 'https://docs.konghq.com/gateway/latest/reference/proxy/#proxy-websocket-traffic',
  },
  {
    id: 'aws',
    name: 'AWS ELB / ALB',
    headers: [['server', /^awselb\b/i], ['x-amzn-requestid', /./], ['x-amzn-trace-id', /./]],
    pages: [
      { status: [503], header: ['server', /^awselb\b/i], means: 'the ALB has no healthy (or no registered) target', fix: 'upstream' },
      { status: [502, 504], header: ['server', /^awselb\b/i], means: 'the ALB could not get an answer from its target', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'a Classic ELB with an HTTP listener drops Upgrade: use a TCP/SSL listener or an ALB (which forwards WebSocket on HTTP/HTTPS listeners)',
      upstream: 'check the target group\'s health checks (a WebSocket path fails a plain GET check) and the targets\' security groups',
      idle: 'raise the load balancer attribute `idle_timeout.timeout_seconds` (default 60), or ping more often',
    },
    docs: 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#connection-idle-timeout',
  },
  {
    id: 'gcp',
    name: 'Google Cloud load balancer',
    headers: [['server', /^(Google Frontend|gfe)\b/i]],
    via: /\bgoogle\b/i,
    pages: [
      { status: [502], body: /The server encountered a temporary error and could not complete your request/i, means: 'the Google load balancer could not get an answer from a healthy backend', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'external HTTP(S) load balancers forward WebSocket by themselves: check the URL map sends this path to the right backend service',
      upstream: 'check the backend service\'s health check (a WebSocket path fails a plain GET check) and firewall rules for the health-check ranges',
      idle: 'raise the backend service `timeoutSec` (default 30 s): it caps a WebSocket\'s whole lifetime, not only its silences',
    },
    docs: 'https://cloud.google.com/load-balancing/docs/https#websocket_support',
  },
  {
    id: 'azure-appgw',
    name: 'Azure Application Gateway',
    headers: [['server', /^Microsoft-Azure-Application-Gateway\b/i]],
    pages: [
      { status: [502], header: ['server', /^Microsoft-Azure-Application-Gateway\b/i], means: 'Application Gateway found no healthy backend, or the backend did not answer', fix: 'upstream' },
    ],
    fix: {
      upgrade: 'Application Gateway forwards WebSocket by itself: check the listener/rule sends this path to the backend pool, and the backend\'s HTTP settings protocol',
      upstream: 'check Backend health in the portal (the health probe must get 200–399 from a plain GET)',
      idle: 'raise the backend HTTP settings `Request time-out` and ping more often than the frontend idle timeout',
    },
    docs: 'https://learn.microsoft.com/en-us/azure/application-gateway/application-gateway-websocket',
  },
  {
    id: 'azure-frontdoor',
    name: 'Azure Front Door',
    headers: [['x-azure-ref', /./], ['x-msedge-ref', /./]],
    pages: [],
    fix: {
      upgrade: 'Front Door (classic) does not forward WebSocket; Standard/Premium does only where WebSocket is supported for the route: check the tier and route, or give WebSocket traffic a hostname that bypasses Front Door',
      upstream: 'check the origin group\'s health probes and origin host header',
      idle: 'Front Door closes idle connections on its own schedule: ping more often than its idle timeout',
    },
    docs: 'https://learn.microsoft.com/en-us/azure/frontdoor/',
  },
  {
    id: 'cloudflare',
    name: 'Cloudflare',
    headers: [['server', /^cloudflare\b/i], ['cf-ray', /./]],
    pages: [
      { status: [521], means: 'Cloudflare reached the origin\'s host but the origin refused the connection (521)', fix: 'upstream' },
      { status: [522, 524], means: 'Cloudflare timed out connecting to, or waiting for, the origin', fix: 'upstream' },
      { status: [523], means: 'Cloudflare cannot route to the origin (523)', fix: 'upstream' },
      { status: [525, 526], means: 'the TLS handshake between Cloudflare and the origin failed (525/526)', fix: 'fix the origin\'s certificate or the zone\'s SSL/TLS mode (Full vs Full (strict))' },
    ],
    fix: {
      upgrade: 'turn on "WebSockets" in the zone\'s Network settings; the record must be proxied on a port Cloudflare proxies (80, 443, 8080, 8443…)',
      upstream: 'the 52x code names it: 521 origin refused, 522 connect timeout, 523 unreachable, 524 no answer in 100 s; check the origin and its firewall for Cloudflare\'s ranges',
      idle: 'Cloudflare closes idle WebSockets (about 100 s without data): ping more often',
    },
    docs: 'https://developers.cloudflare.com/network/websockets/',
  },
];

/** When no software is recognised: what to do in any proxy, with the commonest syntaxes. */
export const GENERIC_FIX: Record<Problem, string> = {
  upgrade: 'make the hop forward Upgrade/Connection (nginx: `proxy_http_version 1.1` + `proxy_set_header Upgrade/Connection`; Apache: `ProxyPass … upgrade=websocket`; squid: `http_upgrade_request_protocols`; other software: docs/software.md)',
  upstream: 'check that hop\'s upstream address and that the upstream runs; the hop\'s error log names the failure',
  idle: 'raise the hop\'s idle/tunnel timeout (nginx `proxy_read_timeout`, HAProxy `timeout tunnel`, ALB `idle_timeout`; docs/software.md), or ping more often than it',
};

/** Fixes that several pages share (a page's `fix` may name one of these instead of a Problem). */
export const SHARED_FIX: Record<string, (ctx: { secure?: boolean }) => string> = {
  // Never suggest wss:// to a user who already used it: then a hop in front sent plain HTTP.
  'tls-port': (ctx) => ctx.secure
    ? 'a hop between you and it sends plain HTTP to its TLS port: make that hop use https:// to its upstream (nginx `proxy_pass https://…`)'
    : 'the port speaks TLS: connect with wss://, or, if a hop in front sends to it, make that hop use https:// to its upstream',
  'client-cert': () => 'this hop requires a TLS client certificate (mutual TLS): test with one, or probe the hop behind it',
};
