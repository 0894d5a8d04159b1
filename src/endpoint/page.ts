import { INSPECT_MESSAGE } from '../constants.js';

/** A JS literal safe inside <script>: `</script>` or `<!--` in a name or path cannot end the block. */
function jsLiteral(value: string): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

// Headers only a browser adds (RFC 6455 §4.1: browsers MUST send Origin; Chromium always offers
// permessage-deflate) and headers the hops add: marked so a reader sees who contributed what.
const BROWSER_HEADERS = ['origin', 'user-agent', 'sec-websocket-extensions', 'cookie', 'accept-language'];
const HOP_HEADERS = ['via', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded'];

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
main{max-width:62em;margin:0 auto;padding:1.4em 2em 2.5em}
h1{font-size:1.3em;margin:0 0 .8em}h1 code{background:#e4e8ef;border-radius:4px;padding:.05em .35em}
h2{font-size:.8em;margin:0 0 .5em;color:#5a6375;text-transform:uppercase;letter-spacing:.05em}
.banner{padding:.65em 1em;border-radius:6px;border:1px solid #c9d3e3;background:#eef2f8;font-weight:600}
.banner.pass{background:#e6f5e9;border-color:#9fd3aa;color:#135c24}
.banner.fail{background:#fdeceb;border-color:#eba7a7;color:#8a1616}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin-top:1em;padding:.8em 1em}
table{border-collapse:collapse;width:100%;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}
th,td{padding:.15em .8em .15em .3em;vertical-align:top;text-align:left}
th{white-space:nowrap;color:#4a5365;font-weight:600;width:1%}td{word-break:break-all}
tr.browser{background:#fff6d5}tr.hop{background:#e9f1fd}
.tag{font:11px system-ui,sans-serif;border-radius:3px;padding:0 .45em;margin-left:.6em;white-space:nowrap}
tr.browser .tag{background:#f0d875;color:#574400}tr.hop .tag{background:#b9d2f5;color:#163a6b}
ol{margin:0;padding:0;list-style:none;white-space:pre;font:13px/1.5 ui-monospace,Menlo,Consolas,monospace}
.muted{color:#6b7385}.hint p{margin:0 0 .5em}
.hint pre{margin:0;background:#f0f2f5;padding:.5em .8em;border-radius:4px;font:13px ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}
`;

/**
 * The browser self-test: opened at `GET /` (Accept: text/html), it connects back over
 * WebSocket to the host it was loaded from (so through every hop that served the page), echoes
 * a message, then shows the handshake the endpoint received from a real browser (Origin,
 * cookies, extensions, the Via chain). The result is also on `window.wstraceResult` and in
 * `document.title` (PASS/FAIL) so a headless browser can read it.
 */
export function selfTestPage(endpoint: string, path: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>wstrace self-test</title><style>${STYLE}</style></head>
<body><main>
<h1>wstrace self-test · endpoint <code id="endpoint"></code></h1>
<div id="status" class="banner">running…</div>
<section><h2>Connection</h2><table id="summary"></table></section>
<section><h2>Timeline</h2><ol id="log"></ol></section>
<section><h2>Handshake the endpoint received</h2><table id="report"><tr><td class="muted">waiting for the report…</td></tr></table></section>
<section id="hint" class="hint" hidden><h2>Next step</h2><p>Browsers do not say why a WebSocket failed. From a terminal, this
names the cause and, with wstrace hops in the path, the hop that broke it:</p><pre id="hint-cmd"></pre></section>
</main>
<script>
(() => {
  const endpoint = ${jsLiteral(endpoint)};
  const path = ${jsLiteral(path)};
  const browserHeaders = ${JSON.stringify(BROWSER_HEADERS)};
  const hopHeaders = ${JSON.stringify(HOP_HEADERS)};
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const row = (table, name, value, cls, tag) => {
    const tr = el('tr', undefined, cls); const th = el('th', name); const td = el('td', value);
    if (tag) td.append(el('span', tag, 'tag'));
    tr.append(th, td); table.append(tr);
  };
  $('endpoint').textContent = endpoint;
  const t0 = performance.now();
  const log = (line) => $('log').append(el('li', '[' + (performance.now() - t0).toFixed(1).padStart(7) + ' ms] ' + line));
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = scheme + '//' + location.host + path;
  const summary = $('summary');
  row(summary, 'WebSocket URL', url);
  let done = false;
  const finish = (ok, detail) => {
    if (done) return;
    done = true;
    clearTimeout(deadline);
    window.wstraceResult = Object.assign({ ok, url }, detail);
    const status = $('status');
    status.textContent = ok ? 'PASS: echo matched and the endpoint reported the handshake' : 'FAIL: ' + detail.error;
    status.className = 'banner ' + (ok ? 'pass' : 'fail');
    document.title = ok ? 'PASS' : 'FAIL';
    if (!ok) {
      $('hint-cmd').textContent = 'wstrace client ' + url + ' --inspect';
      $('hint').hidden = false;
      if (!detail.report) $('report').rows[0].cells[0].textContent = 'no report: the endpoint never answered over WebSocket';
    }
  };
  const showReport = (report) => {
    // What the browser itself spoke: the first hop's Via entry names the version it received
    // (RFC 9110 §7.6.3); with no hop in between, the endpoint's own view.
    const raw = report.via.length ? report.via[0].protocol : report.httpVersion;
    const version = raw.startsWith('HTTP/') ? raw.slice(5) : raw;
    const to = report.via.length ? ' to ' + report.via[0].receivedBy : '';
    row(summary, 'Browser sent', version === '2' || version === '2.0'
      ? 'HTTP/2: an extended CONNECT (RFC 8441)' + to
      : 'HTTP/' + version + ': GET with Upgrade: websocket' + to);
    row(summary, 'Request', report.method + ' ' + report.url + ' HTTP/' + report.httpVersion + ' from ' + report.peer.address + ':' + report.peer.port);
    row(summary, 'Via chain', report.via.length
      ? report.via.map((v) => v.receivedBy + (v.wstrace ? ' (upgrade=' + v.wstrace.upgrade + ')' : '')).join(' → ')
      : 'none: no hop added Via');
    row(summary, 'Extensions', report.extensions || 'none negotiated');
    row(summary, 'Subprotocol', report.subprotocol || 'none');
    const table = $('report');
    table.textContent = '';
    for (const [name, value] of report.headers) {
      const lower = name.toLowerCase();
      if (browserHeaders.includes(lower)) row(table, name, value, 'browser', 'browser');
      else if (hopHeaders.includes(lower)) row(table, name, value, 'hop', 'hops');
      else row(table, name, value);
    }
  };
  const payload = 'browser says hi ' + Math.random().toString(36).slice(2);
  let echoed = null;
  let ws;
  const deadline = setTimeout(() => { finish(false, { error: 'no answer within 5 s' }); if (ws) ws.close(); }, 5000);
  try { ws = new WebSocket(url); } catch (e) { finish(false, { error: String(e) }); return; }
  log('connecting ' + url);
  ws.onopen = () => { log('open, extensions: ' + (ws.extensions || 'none')); ws.send(payload); };
  ws.onmessage = (ev) => {
    if (echoed === null) {
      echoed = ev.data;
      log('echo ' + (echoed === payload ? 'matched' : 'MISMATCH'));
      ws.send(${jsLiteral(INSPECT_MESSAGE)});
      return;
    }
    let report;
    try { report = JSON.parse(ev.data); } catch { finish(false, { error: 'the endpoint answered ' + JSON.stringify(${jsLiteral(INSPECT_MESSAGE)}) + ' with something that is not a report' }); ws.close(1000); return; }
    log('handshake report received');
    showReport(report);
    const matched = echoed === payload;
    finish(matched, { echoMatched: matched, report, extensions: ws.extensions, error: matched ? undefined : 'echo mismatch' });
    ws.close(1000);
  };
  ws.onerror = () => { log('error event'); finish(false, { error: 'the WebSocket failed (the browser gives no reason)' }); };
  ws.onclose = (ev) => {
    log('close ' + ev.code + (ev.wasClean ? ' clean' : ' (no close frame)'));
    finish(false, { error: 'closed ' + ev.code + ' before the test finished' });
  };
})();
</script></body></html>
`;
}
