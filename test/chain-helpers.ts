/**
 * In-process helpers for the chain and fault tests: a chain started with the library and closed
 * in `t.after`, and a `ws` client whose every wait has a deadline. (CLI-driving helpers live in
 * test/helpers/cli.ts.)
 */
import type { TestContext } from 'node:test';
import { WebSocket, type ClientOptions, type RawData } from 'ws';
import { startChain, type Chain, type ChainOptions, type Topology } from '../src/chain/index.js';

export async function withChain(t: TestContext, topology: Topology, opts: ChainOptions = {}): Promise<Chain> {
  const chain = await startChain(topology, { timeoutMs: 2_000, ...opts });
  t.after(() => chain.close());
  return chain;
}

/** A chain of `faults.length` hops, fault list i on hop i+1 (hop 1 outermost). */
export function hops(...faults: string[][]): Topology {
  return { hops: faults.map((f) => ({ faults: f })) };
}

export interface Closed {
  code: number;
  reason: string;
  /** ms from `since` to the close event. */
  ms: number;
}

/** Opens a ws client; rejects (and terminates it) if it is not open within `ms`. */
export function open(t: TestContext, url: string, opts: ClientOptions & { protocols?: string[] } = {}, ms = 3_000): Promise<WebSocket> {
  const { protocols, ...rest } = opts;
  const ws = new WebSocket(url, protocols ?? [], { perMessageDeflate: false, ...rest });
  ws.on('error', () => {});
  t.after(() => ws.terminate());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`not open within ${ms} ms`));
    }, ms);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`unexpected response ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
    });
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new Error('closed before open'));
    });
  });
}

/** Resolves with the close (code, reason, ms since `since`), or rejects after `ms`. */
export function closed(ws: WebSocket, ms: number, since = performance.now()): Promise<Closed> {
  if (ws.readyState === ws.CLOSED) return Promise.reject(new Error('already closed'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no close within ${ms} ms`)), ms);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString(), ms: performance.now() - since });
    });
  });
}

/** Sends one message and resolves with the next one received, or 'timeout' / 'closed'. */
export function echo(ws: WebSocket, data: string | Buffer, ms: number): Promise<Buffer | 'timeout' | 'closed'> {
  return new Promise((resolve) => {
    const done = (v: Buffer | 'timeout' | 'closed') => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      resolve(v);
    };
    const onMessage = (d: RawData) => done(Buffer.isBuffer(d) ? d : Buffer.from(d as ArrayBuffer));
    const onClose = () => done('closed');
    const timer = setTimeout(() => done('timeout'), ms);
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.send(data);
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
