import { request as httpRequest } from 'node:http';
import { DEFAULT_TIMEOUT_MS } from '../constants.js';
import { WstraceError, messageOf } from '../errors.js';
import type { FaultInfo, FaultOptions, FaultUpdate, HopCounters, HopHandle, HopInfo } from './types.js';
import { isRecord } from '../guards.js';

/** The API answered with an error (`status`, its one-line reason) or could not be reached (`status` 0). */
export class FaultApiError extends WstraceError {
  constructor(readonly status: number, message: string) {
    super(status === 0 ? 'ERR_API_UNREACHABLE' : 'ERR_API_REFUSED', message);
    this.name = 'FaultApiError';
  }
}

/**
 * A client for a running proxy's or chain's control API (`--api`): the same HopHandle calls as
 * `chain.hop(name)` in-process. Every request has a deadline (`timeoutMs`, default 5 s).
 *
 *   const api = new FaultApiClient('http://127.0.0.1:8474');
 *   await api.hop('hop-1').addFault('latency=300ms', { stream: 'down' });
 */
export class FaultApiClient {
  readonly url: string;

  constructor(url: string, readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.url = url.replace(/\/+$/, '');
  }

  async hops(): Promise<HopInfo[]> {
    return (await this.request<{ hops: HopInfo[] }>('GET', '/hops')).hops;
  }

  /** Removes every fault of every hop; resolves with the names removed per hop. */
  async reset(): Promise<Record<string, string[]>> {
    return (await this.request<{ removed: Record<string, string[]> }>('POST', '/reset')).removed;
  }

  hop(name: string): HopHandle {
    const base = `/hops/${encodeURIComponent(name)}`;
    const fault = (n: string) => `${base}/faults/${encodeURIComponent(n)}`;
    return {
      name,
      info: () => this.request<HopInfo>('GET', base),
      faults: async () => (await this.request<{ faults: FaultInfo[] }>('GET', `${base}/faults`)).faults,
      addFault: (spec: string, opts: FaultOptions = {}) => this.request<FaultInfo>('POST', `${base}/faults`, { spec, ...opts }),
      updateFault: (n: string, change: FaultUpdate) => this.request<FaultInfo>('PUT', fault(n), change),
      removeFault: (n: string) => this.request<FaultInfo>('DELETE', fault(n)),
      reset: async () => (await this.request<{ removed: string[] }>('POST', `${base}/reset`)).removed,
      counters: () => this.request<HopCounters>('GET', `${base}/counters`),
    };
  }

  /** One request with one deadline for all of it (connect, answer, body). */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<T>((resolve, reject) => {
      const fail = (status: number, message: string) => {
        clearTimeout(timer);
        req.destroy();
        reject(new FaultApiError(status, message));
      };
      // node:http rather than fetch: fetch refuses some ports outright (6000, 6665…) and pools sockets.
      const req = httpRequest(this.url + path, {
        method,
        agent: false,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
      });
      const timer = setTimeout(() => fail(0, `the control API at ${this.url} did not answer within ${this.timeoutMs} ms`), this.timeoutMs);
      req.on('error', (e) => fail(0, `cannot reach the control API at ${this.url}: ${messageOf(e)}`));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(0, `the control API at ${this.url} stopped answering mid-response: ${messageOf(e)}`));
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new FaultApiError(status, `${this.url}${path} did not answer JSON (HTTP ${status}): is this a wstrace control API?`));
          }
          if (status >= 200 && status < 300) return resolve(json as T);
          const reason = isRecord(json) ? json.error : undefined;
          reject(new FaultApiError(status, typeof reason === 'string' ? reason : `HTTP ${status}`));
        });
      });
      req.end(payload);
    });
  }
}
