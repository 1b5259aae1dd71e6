/**
 * The simulated client behind one HTTP user: an actor on the kernel's network (`http/<user>`)
 * that turns the HTTP gateway's requests into `api.request` messages with the user's bearer
 * token, hands back the API server's `api.response`, and routes `watch.*` events of the watches
 * it holds open. It is the HTTP twin of the `kubectl` actor: no retries (the HTTP client
 * decides), a timeout after which the caller gets a 504.
 */
import { setup } from 'xstate';
import type { Port } from '../kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from '../../machines/protocol.js';
import { ApiClient, type RequestSpec } from '../../machines/client/api-client.js';

/** Send one request; `onResponse` gets the answer (a synthetic 504 on timeout). */
export interface HttpClientRequest {
  type: 'http.request';
  spec: RequestSpec;
  onResponse: (response: ApiResponse) => void;
}

/**
 * Open a watch. `onResponse` gets the API server's first answer (200 when the watch started,
 * or the error Status); `onEvent` every event after it, and `watch.closed` when the server ends it.
 */
export interface HttpClientWatch {
  type: 'http.watch';
  spec: RequestSpec;
  onResponse: (response: ApiResponse, watchId: string) => void;
  onEvent: (event: WatchEvent | WatchClosed) => void;
}

/** Close a watch (the HTTP connection went away). */
export interface HttpClientUnwatch {
  type: 'http.unwatch';
  watchId: string;
}

/** Input of an HTTP client actor. */
export interface HttpClientInput {
  port: Port;
  /** The bearer token the HTTP request carried ('' for none). */
  token: string;
  /** Address of the API server (default `api-server`). */
  apiServer?: string;
  /** Virtual ms to wait for an answer before answering 504. Default 60 s. */
  timeoutMs?: number;
}

/** Context of an HTTP client actor. */
export interface HttpClientContext {
  port: Port;
  client: ApiClient;
  watches: Map<string, HttpClientWatch['onEvent']>;
}

export type HttpClientEvent = HttpClientRequest | HttpClientWatch | HttpClientUnwatch | ApiResponse | WatchEvent | WatchClosed;

/** The actor of one HTTP user. */
export const httpClientMachine = setup({
  types: {
    input: {} as HttpClientInput,
    context: {} as HttpClientContext,
    events: {} as HttpClientEvent,
  },
  delays: {
    /** How often unanswered requests are checked for their timeout. */
    tick: 1_000,
  },
  guards: {
    idle: ({ context }) => context.client.inFlight === 0,
  },
  actions: {
    send: ({ context, event }) => {
      const e = event as HttpClientRequest;
      context.client.request(e.spec, e.onResponse);
    },
    watch: ({ context, event }) => {
      const e = event as HttpClientWatch;
      // responses and events travel the network: registering right after sending is in time
      const id: string = context.client.request({ ...e.spec, verb: 'watch' }, (res) => {
        if (res.code >= 300) context.watches.delete(id);
        e.onResponse(res, id);
      });
      context.watches.set(id, e.onEvent);
    },
    unwatch: ({ context, event }) => {
      const e = event as HttpClientUnwatch;
      if (context.watches.delete(e.watchId)) context.port.send(context.client.apiServer, { type: 'watch.cancel', watchId: e.watchId });
    },
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    onWatch: ({ context, event }) => {
      const e = event as WatchEvent | WatchClosed;
      const handler = context.watches.get(e.watchId);
      if (!handler) return;
      if (e.type === 'watch.closed') context.watches.delete(e.watchId);
      handler(e);
    },
    sweep: ({ context }) => context.client.sweep(),
  },
}).createMachine({
  id: 'http-client',
  context: ({ input }) => ({
    port: input.port,
    client: new ApiClient(input.port, input.token, { apiServer: input.apiServer, maxTries: 1, timeoutMs: input.timeoutMs ?? 60_000 }),
    watches: new Map(),
  }),
  on: {
    'http.watch': { target: '.waiting', actions: 'watch' },
    'http.unwatch': { actions: 'unwatch' },
    'watch.added': { actions: 'onWatch' },
    'watch.modified': { actions: 'onWatch' },
    'watch.deleted': { actions: 'onWatch' },
    'watch.bookmark': { actions: 'onWatch' },
    'watch.error': { actions: 'onWatch' },
    'watch.closed': { actions: 'onWatch' },
    'api.response': { actions: 'onResponse' },
  },
  initial: 'idle',
  states: {
    idle: {
      on: { 'http.request': { target: 'waiting', actions: 'send' } },
    },
    waiting: {
      on: { 'http.request': { actions: 'send' } },
      always: { guard: 'idle', target: 'idle' },
      after: { tick: { target: 'waiting', reenter: true, actions: 'sweep' } },
    },
  },
});
