/**
 * kubectl, the client: it sends a request to the API server, waits for the response and hands the
 * caller the object or the error Status; it can also keep watches open (`kubectl get -w`). The
 * library's `Client` drives it, and so does the HTTP gateway, one actor per user of the real
 * `kubectl` (`http/<user>`); its states show whether a request is in flight. No retries: the
 * caller gets the error, or a 504 after the timeout.
 */
import { setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from './protocol.js';
import { ApiClient, type RequestSpec } from './client/api-client.js';

/** A command from the user: send this request, call back with the answer. */
export interface KubectlRequest {
  type: 'kubectl.request';
  spec: RequestSpec;
  onResponse: (response: ApiResponse) => void;
}

/**
 * Open a watch; every event (and the closing) goes to `onEvent`. The API server's first answer
 * goes to `onResponse` when given (200 when the watch started, or the error Status); without it,
 * only a refusal reaches `onEvent`.
 */
export interface KubectlWatch {
  type: 'kubectl.watch';
  spec: RequestSpec;
  onEvent: (event: WatchEvent | WatchClosed | ApiResponse) => void;
  /** Receives the watch id, to cancel it later. */
  onStarted?: (watchId: string) => void;
  /** Receives the first answer and the watch id. */
  onResponse?: (response: ApiResponse, watchId: string) => void;
}

/** Close a watch. */
export interface KubectlUnwatch {
  type: 'kubectl.unwatch';
  watchId: string;
}

/** Input of kubectl. */
export interface KubectlInput {
  port: Port;
  /** The user's bearer token (from the kubeconfig). */
  token: string;
  apiServer?: string;
  /** Request timeout (default 30 s, no retries: kubectl reports the error). */
  timeoutMs?: number;
}

/** Context of kubectl. */
export interface KubectlContext {
  port: Port;
  client: ApiClient;
  watches: Map<string, KubectlWatch['onEvent']>;
}

/** Events kubectl handles: the user's commands, API answers and watch events. */
export type KubectlEvent = KubectlRequest | KubectlWatch | KubectlUnwatch | ApiResponse | WatchEvent | WatchClosed | { type: 'kubectl.login'; token: string };

/** The kubectl machine (address `kubectl`): `idle`, or `waiting` for answers. */
export const kubectlMachine = setup({
  types: {
    input: {} as KubectlInput,
    context: {} as KubectlContext,
    events: {} as KubectlEvent,
  },
  delays: {
    /** How often unanswered requests are checked for their timeout. */
    tick: 1_000,
  },
  guards: {
    busy: ({ context }) => context.client.inFlight > 0,
    idle: ({ context }) => context.client.inFlight === 0,
  },
  actions: {
    send: ({ context, event }) => {
      const e = event as KubectlRequest;
      context.client.request(e.spec, e.onResponse);
    },
    watch: ({ context, event }) => {
      const e = event as KubectlWatch;
      // answers and events travel the network: registering right after sending is in time
      const id: string = context.client.request({ ...e.spec, verb: 'watch' }, (res) => {
        if (res.code >= 300) context.watches.delete(id);
        if (e.onResponse) e.onResponse(res, id);
        else if (res.code >= 300) e.onEvent(res);
      });
      context.watches.set(id, e.onEvent);
      e.onStarted?.(id);
    },
    unwatch: ({ context, event }) => {
      const e = event as KubectlUnwatch;
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
    login: ({ context, event }) => {
      const e = event as { token: string };
      context.client = new ApiClient(context.port, e.token, { apiServer: context.client.apiServer, maxTries: 1, timeoutMs: 30_000 });
    },
  },
}).createMachine({
  id: 'kubectl',
  context: ({ input }) => ({
    port: input.port,
    client: new ApiClient(input.port, input.token, { apiServer: input.apiServer, maxTries: 1, timeoutMs: input.timeoutMs ?? 30_000 }),
    watches: new Map(),
  }),
  on: {
    // waiting: the watch's first answer may time out like any request
    'kubectl.watch': { target: '.waiting', actions: 'watch' },
    'kubectl.unwatch': { actions: 'unwatch' },
    'watch.added': { actions: 'onWatch' },
    'watch.modified': { actions: 'onWatch' },
    'watch.deleted': { actions: 'onWatch' },
    'watch.bookmark': { actions: 'onWatch' },
    'watch.error': { actions: 'onWatch' },
    'watch.closed': { actions: 'onWatch' },
    'kubectl.login': { actions: 'login' },
  },
  initial: 'idle',
  states: {
    idle: {
      on: {
        'kubectl.request': { target: 'waiting', actions: 'send' },
        'api.response': { actions: 'onResponse' },
      },
    },
    waiting: {
      on: {
        'kubectl.request': { actions: 'send' },
        'api.response': { actions: 'onResponse' },
      },
      always: { guard: 'idle', target: 'idle' },
      after: { tick: { target: 'waiting', reenter: true, actions: 'sweep' } },
    },
  },
});
