/**
 * The software knowledge base (src/diagnose/software.ts): each entry is recognised from the
 * headers and pages that software really sends, its fix reaches `next`, the docs are the table
 * rendered, and every status to an upgrade gets its own explanation that claims only what the
 * answer shows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { NEXT_STEP, VERDICT_CODES } from '../src/diagnose/catalogue.js';
import { identify } from '../src/diagnose/identify.js';
import { diagnoseResponse } from '../src/diagnose/response.js';
import { renderSoftwareDoc } from '../src/diagnose/software-doc.js';
import { SOFTWARE } from '../src/diagnose/software.js';
import { REPO_ROOT } from './helpers/cli.js';

const answer = (status: number, headers: IncomingHttpHeaders = {}, body = '', extra: { secure?: boolean; origin?: string } = {}) =>
  diagnoseResponse({ status, statusText: STATUS[status] ?? '', headers, body, ...extra });
const STATUS: Record<number, string> = { 200: 'OK', 301: 'Moved Permanently', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 426: 'Upgrade Required', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 521: '' };

// What each software puts on its answers (from their docs and real responses).
const SIGNS: Record<string, IncomingHttpHeaders> = {
  nginx: { server: 'nginx/1.22.1' },
  apache: { server: 'Apache/2.4.71 (Debian)' },
  caddy: { server: 'Caddy' },
  envoy: { server: 'envoy', 'x-envoy-upstream-service-time': '3' },
  istio: { server: 'istio-envoy' },
  squid: { via: '1.1 cache1 (squid/5.7)' },
  tinyproxy: { via: '1.1 gw (tinyproxy/1.11.1)' },
  varnish: { via: '1.1 varnish (Varnish/7.1)', 'x-varnish': '32770' },
  iis: { server: 'Microsoft-IIS/10.0', 'x-powered-by': 'ARR/3.0' },
  kong: { via: 'kong/3.4.2', 'x-kong-proxy-latency': '1' },
  aws: { server: 'awselb/2.0' },
  gcp: { via: '1.1 google' },
  'azure-appgw': { server: 'Microsoft-Azure-Application-Gateway/v2' },
  'azure-frontdoor': { 'x-azure-ref': '0abc' },
  cloudflare: { server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f-AMS' },
};

describe('software knowledge base', () => {
  it('docs/software.md is the table rendered (run `npm run docs:software` after editing the table)', () => {
    assert.equal(readFileSync(join(REPO_ROOT, 'docs', 'software.md'), 'utf8'), renderSoftwareDoc());
  });

  it('the failure catalogue (docs/catalogue.md) names every software it gives advice for', () => {
    const readme = readFileSync(join(REPO_ROOT, 'docs', 'catalogue.md'), 'utf8');
    const cat = /<!-- section:catalogue -->([\s\S]*?)<!-- \/section:catalogue -->/.exec(readme)![1]!.replace(/\s+/g, ' ');
    assert.match(cat, /docs\/software\.md/);
    assert.deepEqual(SOFTWARE.filter((sw) => !cat.includes(sw.name)).map((sw) => sw.name), []);
  });

  it('every entry has the three fixes and is recognised from its own headers (or, for HAProxy/Traefik, pages)', () => {
    for (const sw of SOFTWARE) {
      for (const fix of Object.values(sw.fix)) assert.ok(fix.length > 20, `${sw.id}: ${fix}`);
      if (sw.id === 'haproxy' || sw.id === 'traefik') continue;
      const signs = SIGNS[sw.id];
      assert.ok(signs, `a sample for ${sw.id}`);
      assert.equal(identify({ status: 426, headers: signs, body: '' })[0]?.software.id, sw.id, sw.id);
    }
  });

  it('a stripped upgrade behind each software gets that software\'s directive; unknown gets the generic fix and says so', () => {
    const explainer = JSON.stringify({ error: 'upgrade-required', endpoint: 'echo', missing: [{ header: 'Upgrade', expected: 'websocket', received: null }], via: [] });
    const through = (h: IncomingHttpHeaders) => answer(426, { 'x-wstrace-endpoint': 'echo', ...h }, explainer).next;
    assert.match(through(SIGNS.squid!), /^squid: add `http_upgrade_request_protocols websocket allow all`/);
    assert.match(through(SIGNS.tinyproxy!), /^tinyproxy: tinyproxy cannot forward WebSocket upgrades/);
    assert.match(through(SIGNS.caddy!), /^Caddy: .*header_up -Upgrade/);
    assert.match(through(SIGNS.varnish!), /return \(pipe\)/);
    assert.match(through(SIGNS.envoy!), /upgrade_configs/);
    assert.match(through(SIGNS.aws!), /Classic ELB/);
    assert.match(through(SIGNS.cloudflare!), /WebSockets/);
    assert.match(through({}), /^make the hop forward Upgrade\/Connection .*\(software not recognised/);
    // The request's own Via, as our endpoint received it, names a hop that left no response header.
    const viaInBody = JSON.stringify({ error: 'upgrade-required', endpoint: 'echo', missing: [], via: [{ protocol: '1.1', receivedBy: 'vm', comment: 'squid/5.7' }] });
    assert.match(answer(426, { 'x-wstrace-endpoint': 'echo' }, viaInBody).next, /^squid:/);
  });
});

describe('error pages that name their cause', () => {
  it('HAProxy 503 "No server is available" → its health-check advice', () => {
    const v = answer(503, { 'content-type': 'text/html' }, '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>');
    assert.match(v.summary, /from HAProxy: HAProxy has no server UP/);
    assert.match(v.next, /option httpchk/);
  });

  it('plain HTTP to a TLS port: wss:// for a ws:// user, the hop\'s upstream scheme for a wss:// user', () => {
    const body = '<html><head><title>400 The plain HTTP request was sent to HTTPS port</title></head><body><center>nginx</center></body></html>';
    const plain = answer(400, { server: 'nginx' }, body);
    assert.equal(plain.code, 'tls-failure');
    assert.match(plain.next, /connect with wss:\/\//);
    const secure = answer(400, { server: 'nginx' }, body, { secure: true });
    assert.doesNotMatch(secure.next, /connect with wss/);
    assert.match(secure.next, /https:\/\/ to its upstream/);
  });

  it('client certificate required, header too large, auth subrequest', () => {
    assert.match(answer(400, { server: 'nginx' }, '<title>400 No required SSL certificate was sent</title>').summary, /client certificate/);
    assert.match(answer(400, { server: 'nginx' }, '<title>400 Request Header Or Cookie Too Large</title>').next, /large_client_header_buffers/);
    assert.match(answer(400, { server: 'Apache' }, 'Size of a request header field exceeds server limit.').next, /LimitRequestFieldSize/);
    assert.match(answer(500, { server: 'nginx/1.22.1' }, '<center>nginx/1.22.1</center>').next, /auth request unexpected status/);
    assert.match(answer(401, { server: 'kong/3.4.2' }, '{"message":"No API key found in request"}').summary, /Kong auth plugin/);
  });

  it('squid\'s X-Squid-Error, Cloudflare\'s 52x (only with its headers), Envoy\'s reset text', () => {
    assert.match(answer(503, { server: 'squid/5.7', 'x-squid-error': 'ERR_CONNECT_FAIL 111' }).summary, /squid could not connect to its upstream/);
    assert.match(answer(521, SIGNS.cloudflare!).summary, /origin refused the connection/);
    assert.doesNotMatch(answer(521, {}).summary, /Cloudflare/);
    assert.match(answer(503, { server: 'envoy' }, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure').next, /response_flags/);
  });
});

describe('one explanation per status', () => {
  it('200: this path does not speak WebSocket', () => {
    assert.match(answer(200, { 'content-type': 'text/html' }).summary, /does not speak WebSocket/);
  });
  it('3xx: the Location, and whether to follow it (never wss:// again for a wss:// user)', () => {
    assert.match(answer(301, { location: 'https://a.test/ws' }).next, /redirects to TLS: connect to wss:\/\/a\.test\/ws/);
    assert.match(answer(301, { location: 'https://a.test/ws' }, '', { secure: true }).next, /^connect to wss:\/\/a\.test\/ws directly/);
    assert.match(answer(301, { location: '/ws/' }).next, /path \/ws\/ on the same host/);
    assert.match(answer(301).summary, /without a Location/);
  });
  it('401 names the challenge; 403 without Origin suggests --origin; 404 names path and the stripping alternative', () => {
    assert.match(answer(401, { 'www-authenticate': 'Bearer realm="api"' }).next, /scheme: Bearer/);
    assert.match(answer(403).next, /--origin/);
    const nf = answer(404, { server: 'nginx' });
    assert.match(nf.summary, /wrong path or routing/);
    assert.match(nf.next, /nginx's routing.*proxy_http_version/);
  });
  it('429 and 503 read Retry-After; 502/504 blame the answerer\'s upstream; 500 the server itself', () => {
    assert.match(answer(429, { 'retry-after': '30' }).next, /retry after 30 s/);
    assert.match(answer(503, { 'retry-after': '5', server: 'nginx' }).evidence.join(), /Retry-After: 5/);
    assert.match(answer(502, { server: 'Caddy' }).summary, /^502 Bad Gateway from Caddy/);
    assert.match(answer(504, { server: 'nginx' }).summary, /timed out waiting for its upstream/);
    assert.match(answer(500).next, /error log/);
  });
  it('a wstrace hop\'s response Via with upgrade=absent, or an app saying it got a plain GET → upgrade-headers-stripped', () => {
    const v = answer(404, { via: '1.1 inner (wstrace; upgrade=absent), 1.1 edge (wstrace; upgrade=present)', server: 'nginx' });
    assert.equal(v.code, 'upgrade-headers-stripped');
    assert.match(v.summary, /between "edge" and "inner"/);
    const g = answer(400, {}, 'websocket: the client is not using the websocket protocol: \'upgrade\' token not found in \'Connection\' header');
    assert.equal(g.code, 'upgrade-headers-stripped');
    assert.match(g.evidence.join(), /gorilla\/websocket/);
  });
});

describe('a wstrace hop\'s 502 says how its upstream failed', () => {
  const hop502 = (failure: string, errno: string | null) =>
    answer(502, { 'x-wstrace-hop': 'edge' }, JSON.stringify({ error: 'Bad Gateway', hop: 'edge', message: 'm', upstream: 'http://10.0.0.9:80', failure, errno }));
  it('refused, timed out, unresolvable, no answer, not HTTP', () => {
    assert.match(hop502('connect-refused', 'ECONNREFUSED').summary, /could not connect to its upstream http:\/\/10\.0\.0\.9:80: connection refused/);
    assert.match(hop502('connect-timeout', 'ETIMEDOUT').summary, /no answer to its SYN/);
    assert.match(hop502('dns-failure', 'ENOTFOUND').summary, /could not resolve/);
    assert.match(hop502('no-response', 'ECONNRESET').summary, /connected to its upstream .* which closed without answering/);
    assert.match(hop502('bad-response', 'HPE_INVALID_CONSTANT').summary, /not HTTP\/1\.1/);
  });
});

describe('no next step sends a command to itself', () => {
  it('catalogue defaults name no wstrace command (bisect and probe print them too)', () => {
    for (const code of VERDICT_CODES) assert.doesNotMatch(NEXT_STEP[code], /wstrace (bisect|probe|client)/, code);
  });
});
