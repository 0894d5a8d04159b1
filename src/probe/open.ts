/**
 * Dial (resolve, connect, TLS — shared with the client) and the opening handshake by hand:
 * write the GET, read the head under a deadline, and hand a 101 over as a Session. A non-101
 * becomes an OpenError carrying the catalogue verdict; the socket never outlives a failure.
 */
import type { Socket } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { BODY_PREVIEW_BYTES, MAX_HEAD_BYTES } from '../constants.js';
import { dial, PhaseError, type TlsOptions } from '../client/dial.js';
import { verdict, type Verdict } from '../diagnose/catalogue.js';
import { diagnoseError } from '../diagnose/errors.js';
import { readSome, readUntil } from '../reach/read.js';
import { diagnoseResponse } from '../diagnose/response.js';
import { generateKey } from '../protocol/accept.js';
import type { WsTarget } from '../net/url.js';
import type { ReachOptions } from '../reach/options.js';
import { DEFLATE_OFFER, parseExtensions } from './deflate.js';
import { buildUpgradeRequest, dechunk, findHeadEnd, parseResponseHead, type ResponseHead } from './http-head.js';
import { Session } from './session.js';

export interface SessionRequest {
  target: WsTarget;
  timeoutMs: number;
  headers: Record<string, string>;
  subprotocols: string[];
  tls: TlsOptions;
  reach?: ReachOptions;
  /** Largest frame or message we accept from the peer. */
  maxPayload: number;
  /** Connection header value (default `Upgrade`). */
  connection?: string;
  /** Offer permessage-deflate. */
  deflate?: boolean;
}

export class OpenError extends Error {
  constructor(readonly verdict: Verdict, readonly head?: ResponseHead, readonly body?: string) {
    super(verdict.summary);
    this.name = 'OpenError';
  }
}

export async function openSession(req: SessionRequest): Promise<Session> {
  const where = req.target.url.host;
  let socket: Socket;
  try {
    socket = await dial(req.target, req.timeoutMs, req.tls, () => {}, req.reach);
  } catch (e) {
    const phase = e instanceof PhaseError ? e.phase : 'connect';
    throw new OpenError(diagnoseError(phase, e instanceof PhaseError ? e.reason : e, where, req.timeoutMs, { clientCert: Boolean(req.reach?.cert) }));
  }
  try {
    return await upgrade(socket, req);
  } catch (e) {
    socket.destroy();
    throw e;
  }
}

async function upgrade(socket: Socket, req: SessionRequest): Promise<Session> {
  const where = req.target.url.host;
  const key = generateKey();
  const t0 = performance.now();
  socket.write(buildUpgradeRequest({
    target: req.target, key, subprotocols: req.subprotocols, headers: req.headers,
    connection: req.connection, extensions: req.deflate ? DEFLATE_OFFER : undefined,
  }));
  const raw = await readHead(socket, req.timeoutMs).catch((e: unknown) => {
    throw new OpenError(diagnoseError('upgrade', e, where, req.timeoutMs, { secure: req.target.secure, clientCert: Boolean(req.reach?.cert) }));
  });
  const upgradeMs = performance.now() - t0;
  const head = parseResponseHead(raw.head);
  if (!head) {
    const first = raw.head.toString('latin1').split(/\r?\n/)[0]!.slice(0, 80);
    throw new OpenError(verdict('bad-response', `${where} answered the upgrade with something that is not HTTP/1.1`, [`first line: ${JSON.stringify(first)}`]));
  }
  if (head.status !== 101) {
    const body = await readPreview(socket, raw.rest, bodyFraming(head), Math.min(req.timeoutMs, 1_000));
    throw new OpenError(diagnoseResponse({ status: head.status, statusText: head.statusText, headers: head.headers, body, secure: req.target.secure }), head, body);
  }
  const negotiated = parseExtensions(firstHeader(head.headers, 'sec-websocket-extensions'), Boolean(req.deflate));
  return new Session({ socket, head, key, leftover: raw.rest, upgradeMs, maxPayload: req.maxPayload, deflate: negotiated.deflate });
}

export function firstHeader(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Reads up to the blank line; the socket is paused on return so no frame byte is lost. */
async function readHead(socket: Socket, timeoutMs: number): Promise<{ head: Buffer; rest: Buffer }> {
  const headEnd = (buf: Buffer) => {
    const end = findHeadEnd(buf);
    return end >= 0 ? end : undefined;
  };
  const { message, rest } = await readUntil(socket, headEnd, timeoutMs, MAX_HEAD_BYTES, { phase: 'upgrade', too: 'response head', incomplete: 'head' });
  return { head: message, rest };
}

type Framing = (buf: Buffer) => { body: Buffer; complete: boolean };

/** How to tell the refusal's body is complete: chunked, Content-Length, or only at close. */
function bodyFraming(head: ResponseHead): Framing {
  if (/\bchunked\b/i.test(firstHeader(head.headers, 'transfer-encoding') ?? '')) return dechunk;
  const length = Number(firstHeader(head.headers, 'content-length') ?? NaN);
  const want = Number.isInteger(length) ? Math.min(length, BODY_PREVIEW_BYTES) : BODY_PREVIEW_BYTES;
  return (buf) => ({ body: buf, complete: buf.length >= want });
}

/** The refusal's body (up to BODY_PREVIEW_BYTES), for the verdict; never waits past `ms`. */
async function readPreview(socket: Socket, first: Buffer, framing: Framing, ms: number): Promise<string> {
  // No size cap of readSome's own: the framing sees every byte read, and gives up past twice the preview.
  const enough = (buf: Buffer) => framing(buf).complete || buf.length > BODY_PREVIEW_BYTES * 2;
  const buf = await readSome(socket, Number.MAX_SAFE_INTEGER, ms, first, enough);
  return framing(buf).body.subarray(0, BODY_PREVIEW_BYTES).toString('utf8');
}
