import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `status=CODE`: this hop answers the request itself, as a gateway with a dead upstream (502/503),
 * an auth layer (401/407) or a WAF does. `origin=URL` makes it an Origin check instead: only
 * requests whose Origin is present and differs from URL are refused (gorilla's CheckOrigin,
 * Spring's allowedOrigins: a missing Origin, i.e. a non-browser client, passes).
 */
export const status: FaultKind = {
  kind: 'status',
  summary: 'answers the request itself with that status and a JSON body naming the fault',
  syntax: '`=CODE` (200–599); `origin=URL`: refuse only a present Origin ≠ URL',
  mimics: '502/503 gateway with an empty pool; 403 Origin check (gorilla `CheckOrigin`)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params, ['origin']);
    const text = r.required('an HTTP status such as 502');
    const code = Number(text);
    // 1xx are not final answers; 101 without a real upgrade would be a lie ws rejects anyway.
    if (!/^\d{3}$/.test(text) || code < 200 || code > 599) throw r.error(`status "${text}" must be a final HTTP status, 200-599`);
    const allowed = params.origin;
    if (allowed !== undefined && allowed === '') throw r.error('origin needs a value, e.g. origin=https://app.example');
    return {
      kind: 'status',
      spec,
      onRequest(ctx) {
        const origin = ctx.req.headers.origin;
        if (allowed !== undefined && (origin === undefined || origin === allowed)) return;
        const why = allowed !== undefined ? `Origin "${origin}" is not allowed (only ${allowed})` : `answering ${code}`;
        ctx.answer(code, `injected fault "${spec}": ${why}`);
        return 'handled';
      },
    };
  },
};
