import { isToken } from '../../net/header.js';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `strip-header=NAME`: remove one header from the upgrade request, as a hop with a header
 * allow-list does; with Sec-WebSocket-Protocol the subprotocol is lost (RFC 6455 §4.1: the
 * server then answers without one, and a client that offered one must fail the connection).
 */
export const stripHeader: FaultKind = {
  kind: 'strip-header',
  summary: 'removes a header from the upgrade request',
  syntax: '`=NAME`',
  mimics: 'header allow-list losing `Sec-WebSocket-Protocol` (subprotocol lost)',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const name = r.required('a header name such as Sec-WebSocket-Protocol');
    if (!isToken(name)) throw r.error(`"${name}" is not a valid header name`);
    return { kind: 'strip-header', spec, editUpgradeRequest: (out) => out.removeHeader(name) };
  },
};
