import type { VerdictCode } from '../diagnose/catalogue.js';

/**
 * A chain of wstrace layers: one echo endpoint behind N test proxies, hop 1 outermost (the one
 * clients connect to). The same shape is the JSON of `fixtures/*.json`; `expect` is used only by
 * tests and docs (what `wstrace client` should conclude against the outermost layer).
 */
export interface Topology {
  description?: string;
  endpoint?: EndpointSpec;
  /** Outermost first. At least one. */
  hops: HopSpec[];
  expect?: Expectation;
}

export interface EndpointSpec {
  /** Name in X-Wstrace-Endpoint and reports; default `echo`. */
  name?: string;
  /** Subprotocols the endpoint accepts (it picks the client's first offer in this list). */
  subprotocols?: string[];
  /** Largest message the endpoint accepts, bytes (a number, or `64k`, `16M`). */
  maxPayload?: number | string;
}

export interface HopSpec {
  /** Name in Via; default `<namePrefix><index>` (`hop-1`, `hop-2`…). Must be unique in the chain. */
  name?: string;
  /** `--fault` specs, e.g. `strip-upgrade`, `idle-timeout=2s,reset=up`. */
  faults?: string[];
  /** HTTP version this hop speaks to the layer behind it (`--upstream-http`): `1.1` (default), `2` or `same`. */
  upstreamHttp?: '1.1' | '2' | 'same';
}

/** What a client at the outermost layer should see; `null`s mean "healthy". */
export interface Expectation {
  verdict: VerdictCode | null;
  /** 1-based index of the hop whose fault breaks the path. */
  faultyHop: number | null;
  /** `wstrace client` options needed to reproduce the case (each maps to the flag of that name). */
  client?: ExpectedClient;
}

export interface ExpectedClient {
  subprotocols?: string[];
  origin?: string;
  message?: string;
  /** Bytes (`40000`, `64k`). */
  size?: number | string;
  count?: number;
  /** Pause between echoes (`3s`). */
  interval?: string;
  /** Per-phase deadline (`1s`). */
  timeout?: string;
  /** false → `--no-deflate`. */
  deflate?: boolean;
  binary?: boolean;
  headers?: string[];
  /** `--http`: `1.1`, `2` or `auto`. */
  http?: string;
}

/** One running layer, outermost first; the echo endpoint is last and has no faults. */
export interface Layer {
  name: string;
  /** A full client URL (the endpoint's echo path included), e.g. `ws://127.0.0.1:40123/echo`. */
  url: string;
  /** The fault specs this layer runs, as written. */
  faults: string[];
}

export const DEFAULT_NAME_PREFIX = 'hop-';
/** More hops than this is a typo, not a test. */
export const MAX_HOPS = 32;
