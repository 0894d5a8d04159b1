import { INSPECT_MESSAGE } from '../constants.js';

/**
 * The browser self-test: opened at `GET /` (Accept: text/html), it connects back over
 * WebSocket to the host it was loaded from, echoes a message, then shows the handshake the
 * endpoint received from a real browser (Origin, cookies, extensions). The result is also on
 * `window.wstraceResult` and in `document.title` (PASS/FAIL) so a headless browser can read it.
 */
export function selfTestPage(endpoint: string, path: string): string {
  const name = JSON.stringify(endpoint).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wstrace self-test</title>
<style>body{font:14px/1.4 ui-monospace,monospace;margin:2em;max-width:60em}
.pass{color:#070}.fail{color:#b00}pre{background:#f4f4f4;padding:1em;overflow:auto}</style></head>
<body><h1>wstrace self-test: <span id="endpoint"></span></h1>
<p id="status">running…</p><pre id="log"></pre><h2>Handshake the endpoint received</h2><pre id="report"></pre>
<script>
(() => {
  const endpoint = ${name};
  document.getElementById('endpoint').textContent = endpoint;
  const log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
  const t0 = performance.now();
  const ms = () => (performance.now() - t0).toFixed(1) + ' ms';
  const finish = (ok, detail) => {
    window.wstraceResult = Object.assign({ ok }, detail);
    const status = document.getElementById('status');
    status.textContent = ok ? 'PASS: echo and handshake report received' : 'FAIL: ' + detail.error;
    status.className = ok ? 'pass' : 'fail';
    document.title = ok ? 'PASS' : 'FAIL';
  };
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = scheme + '//' + location.host + ${JSON.stringify(path)};
  const payload = 'browser says hi ' + Math.random().toString(36).slice(2);
  let echoed = null;
  const ws = new WebSocket(url);
  const deadline = setTimeout(() => { finish(false, { error: 'no answer within 5 s' }); ws.close(); }, 5000);
  ws.onopen = () => { log('[' + ms() + '] open ' + url + ' extensions=' + (ws.extensions || '-')); ws.send(payload); };
  ws.onmessage = (ev) => {
    if (echoed === null) {
      echoed = ev.data;
      log('[' + ms() + '] echo ' + (echoed === payload ? 'matched' : 'MISMATCH'));
      ws.send(${JSON.stringify(INSPECT_MESSAGE)});
      return;
    }
    clearTimeout(deadline);
    const report = JSON.parse(ev.data);
    document.getElementById('report').textContent = report.headers.map((h) => h[0] + ': ' + h[1]).join('\\n');
    finish(echoed === payload, { echoMatched: echoed === payload, report, extensions: ws.extensions, error: echoed === payload ? undefined : 'echo mismatch' });
    ws.close(1000);
  };
  ws.onerror = () => { clearTimeout(deadline); finish(false, { error: 'WebSocket error (see the browser console)' }); };
  ws.onclose = (ev) => log('[' + ms() + '] close ' + ev.code + (ev.wasClean ? ' clean' : ''));
})();
</script></body></html>
`;
}
