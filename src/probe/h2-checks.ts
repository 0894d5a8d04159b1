import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { InputError } from '../errors.js';
import { makePayload, roundTrip } from '../client/exchange.js';
import { encodeFrame } from '../protocol/frame-encoder.js';
import { outcome, type CheckOutcome } from './check.js';
import type { H2Check } from './h2.js';
import { checkInfo } from './catalog.js';


const round1 = (ms: number) => Math.round(ms * 10) / 10;
/** WebSockets opened at once on one connection by h2-multiplex. */
const STREAMS = 4;
/** Larger than the default initial window (65,535 B, RFC 9113 §6.9.2): it cannot pass without WINDOW_UPDATEs. */
const FLOW_BYTES = 256 * 1024;

/** SETTINGS_ENABLE_CONNECT_PROTOCOL and a 200 to the extended CONNECT. */
const extendedConnectCheck: H2Check = {
  name: checkInfo('h2-extended-connect').name,
  async run(run) {
    const conn = await run.connect();
    if (!conn.settings.enableConnectProtocol) {
      return outcome('fail', 'SETTINGS do not enable extended CONNECT: no WebSocket over this h2 connection', {
        verdict: 'h2-no-extended-connect', evidence: [`SETTINGS: ${JSON.stringify(conn.settings)}`],
      });
    }
    const o = await conn.open();
    if (!o.ok) return outcome('fail', `the extended CONNECT failed: ${o.verdict.summary}`, { verdict: o.verdict.code, evidence: o.verdict.evidence });
    return outcome('pass', 'extended CONNECT advertised; :status 200', { value: round1(o.ms), unit: 'ms', evidence: [`max concurrent streams ${String(conn.settings.maxConcurrentStreams)}`] });
  },
};

/** Several WebSockets as streams of one connection, echoing at the same time. */
const multiplexCheck: H2Check = {
  name: checkInfo('h2-multiplex').name,
  async run(run) {
    const conn = await run.connect();
    if (!conn.settings.enableConnectProtocol) return outcome('fail', 'no extended CONNECT advertised', { verdict: 'h2-no-extended-connect' });
    const opened = await Promise.all(Array.from({ length: STREAMS }, () => conn.open()));
    const failed = opened.find((o) => !o.ok);
    if (failed && !failed.ok) {
      const n = opened.filter((o) => o.ok).length;
      const limit = conn.settings.maxConcurrentStreams;
      return outcome(limit !== null && limit < STREAMS ? 'warn' : 'fail', `${n} of ${STREAMS} WebSockets opened on one connection`, {
        value: n, unit: 'streams', verdict: failed.verdict.code, evidence: [failed.verdict.summary, `SETTINGS_MAX_CONCURRENT_STREAMS ${String(limit)}`],
      });
    }
    const t = performance.now();
    const echoes = await Promise.all(opened.map((o, i) => (o.ok ? roundTrip(o.ws, `stream ${i}: ${randomBytes(6).toString('hex')}`, false, run.wait(run.settings.timeoutMs)) : undefined)));
    const bad = echoes.findIndex((e) => e?.kind !== 'value');
    if (bad >= 0) {
      return outcome('fail', `WebSocket ${bad + 1} of ${STREAMS} on the shared connection did not echo`, {
        value: STREAMS, unit: 'streams', verdict: echoes[bad]?.kind === 'timeout' ? 'half-open' : 'connection-dropped', evidence: [`outcome: ${String(echoes[bad]?.kind)}`],
      });
    }
    return outcome('pass', `${STREAMS} WebSockets share one connection; all echoed`, { value: STREAMS, unit: 'streams', evidence: [`${round1(performance.now() - t)} ms for the parallel echoes`] });
  },
};

/** A protocol error on one WebSocket must end that stream only, not the connection (RFC 8441 §5). */
const badFrameCheck: H2Check = {
  name: checkInfo('h2-bad-frame').name,
  async run(run) {
    const conn = await run.connect();
    if (!conn.settings.enableConnectProtocol) return outcome('fail', 'no extended CONNECT advertised', { verdict: 'h2-no-extended-connect' });
    const other = await conn.open();
    const raw = await conn.openRaw();
    if (!other.ok) return outcome('fail', `the extended CONNECT failed: ${other.verdict.summary}`, { verdict: other.verdict.code });
    if (!raw.ok) return outcome('fail', `the extended CONNECT failed: ${raw.verdict.summary}`, { verdict: raw.verdict.code });
    // Opcode 0x3 is reserved (RFC 6455 §5.2): the peer must fail the WebSocket connection.
    raw.stream.write(encodeFrame({ opcode: 0x3, payload: Buffer.from('bad'), mask: true }));
    const ended = await streamEnd(raw.stream, run.wait(run.settings.timeoutMs));
    const after = await roundTrip(other.ws, 'still there?', false, run.wait(run.settings.timeoutMs));
    const how = ended.closeCode !== undefined ? `close ${ended.closeCode}` : ended.rst !== undefined ? `RST_STREAM ${ended.rst}` : ended.how;
    if (after.kind !== 'value') {
      return outcome('warn', 'the bad frame on one WebSocket took the whole h2 connection down: every WebSocket sharing it died', {
        closeCode: ended.closeCode ?? null, evidence: [`bad stream: ${how}`, `the other WebSocket: ${after.kind}`],
        verdict: 'connection-dropped', next: 'a server should fail only that stream (close 1002, then END_STREAM or RST_STREAM), not send GOAWAY',
      });
    }
    if (ended.how === 'timeout') {
      return outcome('fail', 'the reserved opcode was neither refused nor answered: the WebSocket stayed open', { evidence: [`nothing within ${run.settings.timeoutMs} ms`], verdict: 'protocol-error' });
    }
    return outcome('pass', `that stream ended (${how}); the other WebSocket on the connection still echoes`, { closeCode: ended.closeCode ?? null, value: how, unit: null });
  },
};

/** One message larger than the initial flow-control window must still get through both ways. */
const flowControlCheck: H2Check = {
  name: checkInfo('h2-flow-control').name,
  async run(run) {
    const conn = await run.connect();
    if (!conn.settings.enableConnectProtocol) return outcome('fail', 'no extended CONNECT advertised', { verdict: 'h2-no-extended-connect' });
    const o = await conn.open();
    if (!o.ok) return outcome('fail', `the extended CONNECT failed: ${o.verdict.summary}`, { verdict: o.verdict.code });
    const payload = makePayload(FLOW_BYTES, 1);
    const r = await roundTrip(o.ws, payload, true, run.wait(run.settings.timeoutMs));
    if (r.kind === 'value' && r.value.data.equals(payload)) {
      return outcome('pass', `${FLOW_BYTES / 1024} KiB echoed over one stream`, { value: round1(r.ms), unit: 'ms', evidence: [`initial window ${String(conn.settings.initialWindowSize)}`] });
    }
    if (r.kind === 'timeout') {
      return outcome('fail', `the ${FLOW_BYTES / 1024} KiB message stalled: no echo within ${run.settings.timeoutMs} ms`, {
        verdict: 'half-open', evidence: [`initial window ${String(conn.settings.initialWindowSize)}: a hop that never sends WINDOW_UPDATE stalls every message larger than it`],
      });
    }
    return outcome('fail', `the ${FLOW_BYTES / 1024} KiB message did not come back (${r.kind})`, {
      verdict: r.kind === 'closed' && r.code === 1009 ? 'message-too-big' : 'connection-dropped', closeCode: r.kind === 'closed' ? r.code : null,
    });
  },
};

/** Waits for a raw stream to end; a close frame from the peer is read from the bytes that came back. */
function streamEnd(stream: Duplex, ms: number): Promise<{ how: string; closeCode?: number; rst?: number }> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const done = (how: string) => {
      clearTimeout(timer);
      stream.off('data', onData);
      const code = got.length >= 4 && (got[0]! & 0x0f) === 0x8 ? got.readUInt16BE(2) : undefined;
      const rst = 'rstCode' in stream && typeof stream.rstCode === 'number' ? stream.rstCode : undefined;
      resolve({ how, ...(code !== undefined ? { closeCode: code } : {}), ...(rst ? { rst } : {}) });
    };
    const onData = (c: Buffer) => (got = Buffer.concat([got, c]).subarray(0, 64));
    const timer = setTimeout(() => done('timeout'), ms);
    stream.on('data', onData);
    stream.once('end', () => done('end'));
    stream.once('close', () => done('close'));
  });
}

export const H2_CHECKS: readonly H2Check[] = [extendedConnectCheck, multiplexCheck, badFrameCheck, flowControlCheck];

export function selectH2Checks(names: string[]): H2Check[] {
  for (const n of names) {
    if (!H2_CHECKS.some((c) => c.name === n)) throw new InputError('ERR_UNKNOWN_CHECK', `unknown check "${n}" with --http 2: the h2 checks are ${H2_CHECKS.map((c) => c.name).join(', ')}`);
  }
  return names.length ? H2_CHECKS.filter((c) => names.includes(c.name)) : [...H2_CHECKS];
}
