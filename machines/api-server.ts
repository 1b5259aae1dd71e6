/**
 * The API server: the cluster's front door and the only component that talks to etcd.
 *
 * Every request walks the pipeline `authenticating → authorizing → admitting → persisting`
 * (or `responding` with 401, 403, 4xx), one state per step so XState's inspection reports each
 * step; answers from etcd pass through `completing`. With the option `pipeline: 'fused'` the same
 * steps run, in the same order, as the actions of one transition (`handleRequest`, `complete`):
 * nothing observable changes but the microsteps, and large simulations run faster. Beside the
 * pipeline, `housekeeping` times out etcd requests (503), sends watch bookmarks and compacts
 * etcd. At start the server loads its
 * watch cache from etcd and watches etcd from that revision; `serving` then fans every change out
 * to the watchers it concerns, in resourceVersion order.
 */
import { assign, setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { ApiRequest, EtcdChanged, EtcdProgress, EtcdResult, WatchCancel } from './protocol.js';
import { ETCD } from './protocol.js';
import { armGrid, beginGrid, gridDueEarlier, gridWakeAt, UNARMED_GRID, type HousekeepingGrid } from './client/housekeeping-grid.js';
import * as S from '../src/api/status.js';
import { ApiServerCore, type ApiServerOptions } from './api-server/core.js';
import { TokenAuthenticator, type TokenEntry } from './api-server/auth.js';
import { serviceAccountSigningKey } from './api-server/service-account-tokens.js';

/** Input of the api-server machine. */
export interface ApiServerInput {
  port: Port;
  /** Users and their bearer tokens. */
  tokens: readonly TokenEntry[];
  /** Address of etcd (default `etcd`). */
  etcd?: string;
  options?: ApiServerOptions;
}

/** Context: the port and the server's state (request pipeline, watch cache, RBAC). */
export interface ApiServerContext {
  port: Port;
  core: ApiServerCore;
  /** Id of the etcd watch the cache follows. */
  etcdWatch: string;
  /** Time the etcd watch last said anything (changes or progress). */
  etcdHeard: number;
  lastCompaction: number;
  /**
   * Housekeeping's grid: `last` is when it last ran (or `serving` began), `armedAt` when its timer
   * fires. It runs on kube-apiserver's one-second grid, but only at the ticks where something is
   * due (see {@link housekeepingWakeAt}), so an idle server does not wake every second.
   */
  housekeeping: HousekeepingGrid;
}

/** Faults and lifecycle events of the API server. */
export type ApiServerControl = { type: 'api-server.restart' };

/** Events the API server handles. */
export type ApiServerEvent = ApiRequest | WatchCancel | EtcdResult | EtcdChanged | EtcdProgress | ApiServerControl;

const LOAD_ID = 'load';

/** The period of the housekeeping checks: they run at whole seconds after `serving` began. */
const HOUSEKEEPING_MS = 1_000;
/** An etcd watch that has said nothing (no change, no progress) for longer than this is re-established. */
const ETCD_WATCH_SILENCE_MS = 15_000;
/** How often the server asks etcd to compact its history. */
const COMPACTION_MS = 300_000;
/** Watch bookmarks go out once a minute of virtual time. */
const BOOKMARK_MS = 60_000;

/**
 * The earliest time a housekeeping check has something to do: an etcd request times out, the next
 * minute's bookmarks, the next compaction, or the etcd watch counting as lost.
 */
function housekeepingDueAt(context: ApiServerContext): number {
  const { last } = context.housekeeping;
  return Math.min(
    context.core.etcdDueAt(),
    (Math.floor(last / BOOKMARK_MS) + 1) * BOOKMARK_MS,
    context.core.cache.revision > 1 ? context.lastCompaction + COMPACTION_MS : Infinity,
    context.etcdHeard + ETCD_WATCH_SILENCE_MS,
  );
}

/** The tick of the one-second grid at which housekeeping next runs (see `gridWakeAt`). */
function housekeepingWakeAt(context: ApiServerContext): number {
  return gridWakeAt(context.housekeeping.last, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS);
}

/** The API server machine (address `api-server`): the request pipeline, the watch cache and housekeeping. */
export const apiServerMachine = setup({
  types: {
    input: {} as ApiServerInput,
    context: {} as ApiServerContext,
    events: {} as ApiServerEvent,
  },
  delays: {
    /**
     * Until the next housekeeping check (etcd timeouts, bookmarks, compaction, etcd watch health):
     * the next one-second tick at which one of them is due.
     */
    housekeepingInterval: ({ context }) => housekeepingWakeAt(context) - context.port.now(),
    /** Wait before retrying to load the cache when etcd is down. */
    retryLoad: 1_000,
  },
  guards: {
    authenticated: ({ context }) => context.core.current!.user !== undefined,
    authorized: ({ context }) => context.core.current!.allowed === true,
    admitted: ({ context }) => context.core.current!.response === undefined,
    loadSucceeded: ({ event }) => (event as EtcdResult).id.endsWith(LOAD_ID) && (event as EtcdResult).ok,
    loadFailed: ({ event }) => (event as EtcdResult).id.endsWith(LOAD_ID) && !(event as EtcdResult).ok,
    isForEtcdWatch: ({ context, event }) => (event as EtcdChanged).watchId === context.etcdWatch,
    isEtcdWatchAnswer: ({ context, event }) => (event as EtcdResult).id === context.etcdWatch,
    etcdWatchLost: ({ context }) => context.port.now() - context.etcdHeard > ETCD_WATCH_SILENCE_MS,
    /** Something became due before the armed housekeeping tick (an etcd request sent, the etcd watch in doubt). */
    housekeepingDueEarlier: ({ context }) => gridDueEarlier(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS),
    fusedPipeline: ({ context }) => context.core.fused,
  },
  actions: {
    accept: ({ context, event }) => context.core.recover(() => context.core.accept(event as ApiRequest)),
    handleRequest: ({ context, event }) => context.core.recover(() => context.core.handle(event as ApiRequest)),
    authenticate: ({ context }) => context.core.recover(() => context.core.authenticate()),
    rejectUnauthenticated: ({ context }) => context.core.recover(() => context.core.reject(401)),
    authorize: ({ context }) => context.core.recover(() => context.core.authorize()),
    rejectForbidden: ({ context }) => context.core.recover(() => context.core.reject(403)),
    admit: ({ context }) => context.core.recover(() => context.core.admit()),
    dispatch: ({ context }) => context.core.recover(() => context.core.dispatch()),
    respond: ({ context }) => context.core.recover(() => context.core.respondCurrent()),
    complete: ({ context, event }) => context.core.recover(() => context.core.complete(event as EtcdResult)),
    rejectNotReady: ({ context, event }) => {
      const req = event as ApiRequest;
      context.port.send(req.from, { type: 'api.response', id: req.id, code: 503, body: S.serviceUnavailable('the API server is starting: its watch cache is not ready') });
    },
    cancelWatch: ({ context, event }) => context.core.recover(() => context.core.cancelWatch((event as WatchCancel).watchId)),
    loadCache: ({ context }) => {
      context.port.send(context.core.io.etcd, { type: 'etcd.range', id: `${context.port.address}#${LOAD_ID}`, from: context.port.address, prefix: '/registry/' });
    },
    storeCache: ({ context, event }) => {
      const r = event as EtcdResult;
      context.core.load(r.kvs ?? [], r.revision);
    },
    watchEtcd: ({ context }) => {
      context.etcdWatch = `${context.port.address}#watch-${context.core.cache.revision}-${context.port.now()}`;
      context.etcdHeard = context.port.now();
      context.port.send(context.core.io.etcd, {
        type: 'etcd.watch',
        id: context.etcdWatch,
        from: context.port.address,
        prefix: '/registry/',
        fromRevision: context.core.cache.revision + 1,
      });
    },
    applyChanges: ({ context, event }) => {
      const e = event as EtcdChanged;
      context.etcdHeard = context.port.now();
      if (e.revision > context.core.cache.revision + 1) {
        // a change before this one was lost on the way: watch again from the first one missing
        context.etcdHeard = -Infinity;
        return;
      }
      for (const change of e.changes) context.core.recover(() => context.core.applyChange(change));
    },
    noteProgress: ({ context, event }) => {
      const e = event as EtcdProgress;
      if (e.watchId !== context.etcdWatch) return;
      context.etcdHeard = e.revision > context.core.cache.revision ? -Infinity : context.port.now();
    },
    rewatchEtcd: ({ context }) => {
      context.port.send(context.core.io.etcd, { type: 'etcd.unwatch', id: context.etcdWatch, from: context.port.address });
    },
    onEtcdWatchAnswer: ({ context, event }) => {
      const r = event as EtcdResult;
      if (!r.ok) context.etcdHeard = r.error === 'Compacted' ? -Infinity : context.port.now() - 10_000;
      if (r.error === 'Compacted') context.core.cache.progress(0);
    },
    /** The housekeeping grid's ticks count from now (`serving` began, or the checks ran). */
    beginHousekeeping: assign({ housekeeping: ({ context }) => beginGrid(context.housekeeping, context.port.now()) }),
    armHousekeeping: assign({ housekeeping: ({ context }) => armGrid(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS) }),
    /** The checks of a tick: etcd requests timed out, the minute's bookmarks, compaction (before `beginHousekeeping` moves the grid on). */
    housekeeping: ({ context }) => {
      const now = context.port.now();
      const last = context.housekeeping.last;
      context.core.sweep();
      if (Math.floor(now / BOOKMARK_MS) !== Math.floor(last / BOOKMARK_MS)) context.core.cache.bookmarkAll(context.core.sink);
      if (now - context.lastCompaction >= COMPACTION_MS && context.core.cache.revision > 1) {
        context.lastCompaction = now;
        context.port.send(context.core.io.etcd, { type: 'etcd.compact', id: `${context.port.address}#compact-${now}`, from: context.port.address, revision: Math.max(1, context.core.cache.revision - 10_000) });
      }
    },
    closeWatches: ({ context }) => context.core.closeAllWatches('the API server restarted: connection reset'),
  },
}).createMachine({
  id: 'api-server',
  context: ({ input }) => ({
    port: input.port,
    core: new ApiServerCore(
      {
        self: input.port.address,
        etcd: input.etcd ?? ETCD,
        send: (to, event) => input.port.send(to, event),
        tagObject: (uid) => input.port.tagObject(uid),
        now: () => input.port.now(),
        timestamp: (offset?: number) => input.port.timestamp(offset),
        rng: input.port.rng,
        reportError: (error) => input.port.reportError(error),
        timeOf: (ts) => input.port.timeOf(ts),
        metricsRng: input.port.fork('metrics'),
        signingKey: serviceAccountSigningKey(input.port.seed),
      },
      new TokenAuthenticator(input.tokens),
      input.options,
    ),
    etcdWatch: '',
    etcdHeard: 0,
    lastCompaction: 0,
    housekeeping: UNARMED_GRID,
  }),
  initial: 'starting',
  on: {
    'api-server.restart': { target: '.starting', actions: 'closeWatches' },
  },
  states: {
    starting: {
      entry: 'loadCache',
      on: {
        'api.request': { actions: 'rejectNotReady' },
        'etcd.result': [
          { guard: 'loadSucceeded', target: 'serving', actions: ['storeCache', 'watchEtcd'] },
          { guard: 'loadFailed', target: 'waitingForEtcd' },
        ],
      },
    },
    waitingForEtcd: {
      on: { 'api.request': { actions: 'rejectNotReady' } },
      after: { retryLoad: 'starting' },
    },
    serving: {
      type: 'parallel',
      on: {
        'etcd.changed': [{ guard: 'isForEtcdWatch', actions: 'applyChanges' }],
        'etcd.progress': { actions: 'noteProgress' },
        'watch.cancel': { actions: 'cancelWatch' },
      },
      states: {
        pipeline: {
          initial: 'ready',
          on: {
            'etcd.result': [
              { guard: 'isEtcdWatchAnswer', actions: 'onEtcdWatchAnswer' },
              { guard: 'fusedPipeline', actions: 'complete' },
              { target: '.completing' },
            ],
          },
          states: {
            ready: {
              on: {
                'api.request': [
                  { guard: 'fusedPipeline', actions: 'handleRequest' },
                  { target: 'authenticating', actions: 'accept' },
                ],
              },
            },
            authenticating: {
              entry: 'authenticate',
              always: [{ guard: 'authenticated', target: 'authorizing' }, { target: 'responding', actions: 'rejectUnauthenticated' }],
            },
            authorizing: {
              entry: 'authorize',
              always: [{ guard: 'authorized', target: 'admitting' }, { target: 'responding', actions: 'rejectForbidden' }],
            },
            admitting: {
              entry: 'admit',
              always: [{ guard: 'admitted', target: 'persisting' }, { target: 'responding' }],
            },
            persisting: {
              entry: 'dispatch',
              always: 'ready',
            },
            responding: {
              entry: 'respond',
              always: 'ready',
            },
            completing: {
              entry: 'complete',
              always: 'ready',
            },
          },
        },
        housekeeping: {
          entry: 'beginHousekeeping',
          initial: 'idle',
          states: {
            idle: {
              entry: 'armHousekeeping',
              always: { guard: 'housekeepingDueEarlier', target: 'idle', reenter: true },
              after: { housekeepingInterval: { target: 'checking', actions: ['housekeeping', 'beginHousekeeping'] } },
            },
            checking: {
              always: [{ guard: 'etcdWatchLost', target: 'idle', actions: ['rewatchEtcd', 'watchEtcd'] }, { target: 'idle' }],
            },
          },
        },
      },
    },
  },
});
