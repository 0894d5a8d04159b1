// The pure parts of reaching a target: proxy URLs, curl's choice of proxy from the environment,
// NO_PROXY matching, --resolve/--connect-to, Proxy-Authenticate challenges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesNoProxy, parseProxyUrl, proxyFor } from '../src/reach/proxy-url.js';
import { applyConnectTo, parseConnectTo, parseResolve, resolveOverride } from '../src/reach/overrides.js';
import { parseChallenges } from '../src/diagnose/proxy.js';
import { InputError } from '../src/errors.js';

test('proxy URLs: schemes, default ports, percent-encoded credentials, no password in the display form', () => {
  const p = parseProxyUrl('http://al%40ice:p%3Ass@proxy.corp:3128');
  assert.deepEqual([p.scheme, p.host, p.port, p.username, p.password], ['http', 'proxy.corp', 3128, 'al@ice', 'p:ss']);
  assert.equal(p.display, 'http://al%40ice:***@proxy.corp:3128');
  assert.equal(parseProxyUrl('proxy.corp').display, 'http://proxy.corp:1080', 'no scheme: http, port 1080 as in curl');
  assert.equal(parseProxyUrl('https://[::1]').display, 'https://[::1]:443');
  assert.equal(parseProxyUrl('SOCKS5H://h:9').scheme, 'socks5h');
  for (const bad of ['ftp://h', 'http://', 'http://h/path', 'socks4://h']) assert.throws(() => parseProxyUrl(bad), InputError, bad);
});

test('the proxy for a target, the way curl chooses it', () => {
  const ws = { secure: false, host: 'app.example' };
  const wss = { secure: true, host: 'app.example' };
  const env = { http_proxy: 'http://h1:1', HTTPS_PROXY: 'http://h2:2', ALL_PROXY: 'socks5://h3:3' };
  assert.equal(proxyFor(ws, { env })?.source, 'http_proxy');
  assert.equal(proxyFor(wss, { env })?.source, 'HTTPS_PROXY');
  assert.equal(proxyFor(wss, { env: { ALL_PROXY: 'socks5://h3:3' } })?.source, 'ALL_PROXY');
  assert.equal(proxyFor(ws, { env: { HTTP_PROXY: 'http://h:1', http_proxy: 'http://l:1' } })?.host, 'l', 'lower case first');
  assert.equal(proxyFor(ws, { env, explicit: null }), undefined, '--proxy "" means none');
  assert.equal(proxyFor(ws, { env, explicit: parseProxyUrl('http://x:9') })?.host, 'x');
  assert.equal(proxyFor(ws, { env: { ...env, NO_PROXY: '.example' } }), undefined);
  assert.equal(proxyFor(ws, { env: { ...env, NO_PROXY: '.example' }, noProxy: 'other' })?.host, 'h1', '--noproxy replaces NO_PROXY');
  assert.equal(proxyFor(ws, { env: {} }), undefined);
});

test('NO_PROXY: names and their subdomains, *, addresses, CIDR, ports ignored', () => {
  assert.ok(matchesNoProxy('api.corp.example', 'corp.example'));
  assert.ok(matchesNoProxy('corp.example', '.corp.example'));
  assert.ok(!matchesNoProxy('notcorp.example', 'corp.example'));
  assert.ok(matchesNoProxy('anything', 'a, *'));
  assert.ok(matchesNoProxy('10.1.2.3', '10.0.0.0/8'));
  assert.ok(!matchesNoProxy('11.1.2.3', '10.0.0.0/8'));
  assert.ok(matchesNoProxy('::1', '[::1]:8080'));
  assert.ok(matchesNoProxy('fd00::5', 'fd00::/8'));
  assert.ok(matchesNoProxy('localhost', 'localhost:80'));
  assert.ok(!matchesNoProxy('127.0.0.1', 'localhost'));
});

test('--resolve and --connect-to: curl syntax, IPv6 in brackets, empty parts match any or keep', () => {
  assert.deepEqual(parseResolve('App.Example:443:[::1]'), { host: 'app.example', port: 443, address: '::1' });
  assert.equal(resolveOverride('app.example', 443, [parseResolve('*:443:10.0.0.1')]), '10.0.0.1');
  assert.equal(resolveOverride('app.example', 80, [parseResolve('app.example:443:10.0.0.1')]), undefined);
  for (const bad of ['a:443', 'a:b:1.2.3.4', 'a:443:not-an-ip', ':443:1.2.3.4']) assert.throws(() => parseResolve(bad), InputError, bad);
  const rule = parseConnectTo('app.example:443:10.0.0.9:8443');
  assert.deepEqual(applyConnectTo('app.example', 443, [rule]), { host: '10.0.0.9', port: 8443, rule });
  assert.deepEqual(applyConnectTo('app.example', 80, [rule]), { host: 'app.example', port: 80 });
  const any = parseConnectTo('::[::1]:');
  assert.equal(applyConnectTo('x', 7, [any]).host, '::1');
  assert.equal(applyConnectTo('x', 7, [any]).port, 7);
  for (const bad of ['a:1:b', 'a:x:b:1', 'a:1:b:70000']) assert.throws(() => parseConnectTo(bad), InputError, bad);
});

test('Proxy-Authenticate challenges: scheme and realm of each', () => {
  assert.deepEqual(parseChallenges(['Basic realm="wstrace test proxy"']), [{ scheme: 'Basic', realm: 'wstrace test proxy' }]);
  assert.deepEqual(parseChallenges(['Negotiate', 'NTLM']), [{ scheme: 'Negotiate', realm: undefined }, { scheme: 'NTLM', realm: undefined }]);
  assert.deepEqual(parseChallenges(['Digest realm="r", nonce="n", qop="auth", Basic realm=corp']).map((c) => c.scheme), ['Digest', 'Basic']);
});
