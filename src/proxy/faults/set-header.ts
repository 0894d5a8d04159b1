import { parseHeader } from '../../net/header.js';
import { messageOf } from '../../errors.js';
import type { FaultKind } from './fault.js';
import { SpecReader } from './params.js';

/**
 * `set-header=NAME:VALUE`: set a header on the upgrade request, replacing what the client sent —
 * an Origin rewritten by a hop that also rewrites Host, a forced X-Forwarded-Proto. The value
 * cannot contain a comma (the spec syntax uses it).
 */
export const setHeader: FaultKind = {
  kind: 'set-header',
  summary: 'sets a header on the upgrade request, replacing the client\'s',
  syntax: '`=NAME:VALUE` (no commas)',
  mimics: 'hop rewriting `Origin` along with `Host`',
  create(value, params, spec) {
    const r = new SpecReader(spec, value, params);
    const text = r.required('NAME:VALUE such as Origin:https://evil.example');
    let h: { name: string; value: string };
    try {
      h = parseHeader(text, 'header');
    } catch (e) {
      throw r.error(messageOf(e));
    }
    return { kind: 'set-header', spec, editUpgradeRequest: (out) => out.setHeader(h.name, h.value) };
  },
};
