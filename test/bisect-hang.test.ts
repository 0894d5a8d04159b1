/**
 * The fault table's `hang` rows (see test/bisect-faults.test.ts): a hop that accepts the upgrade
 * and never answers, at each of 5 positions; both strategies must name it `handshake-timeout`,
 * each failing probe costing one --timeout and no more.
 */
import { test } from 'node:test';
import { faultTable, TABLE_HOPS } from './helpers/bisect.js';

test(`fault "hang" at each of ${TABLE_HOPS} hops: all and binary name the hop and handshake-timeout`, (t) =>
  faultTable(t, {
    fault: 'hang',
    code: 'handshake-timeout',
    timeout: '2s',
    // all: the failing probes run side by side, one 2 s deadline; binary: at most three of them in
    // sequence over 6 URLs. A second of slack each for a busy machine.
    windowMs: { all: 3_000, binary: 7_000 },
  }));
