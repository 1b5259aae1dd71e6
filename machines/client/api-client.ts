/**
 * How a component talks to the API server, as client-go does: each request carries the
 * component's bearer token and an id, the answer comes back as `api.response` with that id, and a
 * request that gets no answer in time is sent again (or reported as a timeout). Everything goes
 * through the kernel's network; the component's machine hands responses to `handle`.
 */
import type { Port } from '../../src/kernel/port.js';
import type { Status } from '../../src/api/types.js';
import * as S from '../../src/api/status.js';
import type { ApiRequest, ApiResponse } from '../protocol.js';
import { API_SERVER } from '../protocol.js';

/** A request as a component writes it (the client fills in type, id, from and token). */
export type RequestSpec = Omit<ApiRequest, 'type' | 'id' | 'from' | 'token'>;

/** What a caller gets back: the response (a synthetic 504 when every try timed out). */
export type ResponseHandler = (response: ApiResponse) => void;

interface Pending {
  req: ApiRequest;
  sent: number;
  tries: number;
  onResponse?: ResponseHandler;
}

/** Options of an API client. */
export interface ApiClientOptions {
  /** Address of the API server (or its load balancer). Default `api-server`. */
  apiServer?: string;
  /** How long to wait for an answer before trying again. Default 10 s. */
  timeoutMs?: number;
  /** How many times a request is sent before giving up with 504. Default 3. */
  maxTries?: number;
}

/** A component's connection to the API server. */
export class ApiClient {
  readonly apiServer: string;
  /** Requests in flight, in the order they were first sent (the order `sweep` re-sends them in). */
  private readonly pending = new Map<string, Pending>();
  /** The same, in the order they were last sent (the first times out first). */
  private readonly bySent = new Map<string, Pending>();
  private seq = 0;
  /** `#` for a component's first client, `#<n>.` for later ones (a restart), so ids never repeat. */
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly maxTries: number;
  /** The bearer token requests carry from now on. */
  #token: string;

  constructor(
    readonly port: Port,
    token: string,
    options: ApiClientOptions = {},
  ) {
    this.#token = token;
    this.apiServer = options.apiServer ?? API_SERVER;
    const incarnation = port.incarnation();
    this.prefix = incarnation === 0 ? `${port.address}#` : `${port.address}#${incarnation}.`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxTries = options.maxTries ?? 3;
  }

  /** The bearer token of the requests sent from now on. */
  get token(): string {
    return this.#token;
  }

  /** Sends later requests with another token (a refreshed service account token); requests in flight keep theirs. */
  useToken(token: string): void {
    this.#token = token;
  }

  /** Sends a request; `onResponse` gets the answer. Returns the request id. */
  request(spec: RequestSpec, onResponse?: ResponseHandler): string {
    const id = `${this.prefix}${++this.seq}`;
    const req: ApiRequest = { type: 'api.request', id, from: this.port.address, token: this.token, ...spec };
    const pending: Pending = { req, sent: this.port.now(), tries: 1, onResponse };
    this.pending.set(id, pending);
    this.bySent.set(id, pending);
    this.port.send(this.apiServer, req);
    return id;
  }

  /** A new id for a watch (watches are answered once, then stream events under that id). */
  nextId(): string {
    return `${this.prefix}${++this.seq}`;
  }

  /** Hands a response to whoever waits for it. Returns false when nobody does (late or duplicate). */
  handle(response: ApiResponse): boolean {
    const pending = this.pending.get(response.id);
    if (!pending) return false;
    this.pending.delete(response.id);
    this.bySent.delete(response.id);
    pending.onResponse?.(response);
    return true;
  }

  /** Re-sends requests that waited too long; gives up with 504 after the last try. */
  sweep(): void {
    const now = this.port.now();
    for (const [id, p] of this.pending) {
      if (now - p.sent < this.timeoutMs) continue;
      if (p.tries < this.maxTries && p.req.verb !== 'watch') {
        p.tries++;
        p.sent = now;
        this.bySent.delete(id);
        this.bySent.set(id, p);
        this.port.send(this.apiServer, p.req);
      } else {
        this.pending.delete(id);
        this.bySent.delete(id);
        p.onResponse?.({ type: 'api.response', id, code: 504, body: S.timeout(`the request to ${this.apiServer} timed out after ${p.tries} tries`) });
      }
    }
  }

  /** When `sweep` has something to do next: the earliest time a request in flight times out (Infinity: none). */
  nextDueAt(): number {
    // the clock never goes back: bySent's first entry was sent first (housekeeping asks after
    // every event, with hundreds of requests in flight)
    for (const p of this.bySent.values()) return p.sent + this.timeoutMs;
    return Infinity;
  }

  /** Forgets every request in flight (the component restarts). */
  reset(): void {
    this.pending.clear();
    this.bySent.clear();
  }

  /** Requests waiting for an answer. */
  get inFlight(): number {
    return this.pending.size;
  }

  toJSON(): { apiServer: string; inFlight: number } {
    return { apiServer: this.apiServer, inFlight: this.pending.size };
  }
}

/** True for a 2xx response. */
export function isSuccess(response: ApiResponse): boolean {
  return response.code >= 200 && response.code < 300;
}

/** The Status of a failed response. */
export function statusOf(response: ApiResponse): Status | undefined {
  const body = response.body;
  return body?.kind === 'Status' ? (body) : undefined;
}
