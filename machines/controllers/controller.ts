/**
 * `defineController`: the controller pattern of kube-controller-manager (client-go's informers,
 * work queue and rate limiter, `pkg/controller/*`'s sync functions) as an XState machine on the
 * simulation kernel. Built-in controllers and users' own controllers are written the same way: a
 * set of watches whose events only queue keys, and a `sync(key, ctx)` that reads the informers'
 * caches, compares them with the desired state and writes through the API.
 *
 * The machine (`<name>` at `controller-manager/<name>`):
 *
 * - `controller.starting`: informers list-and-watch (WatchList: initial events, then a bookmark);
 *   events already queue keys, nothing is synced yet.
 * - `controller.running.idle` / `controller.running.syncing`: the work queue is drained one key at a
 *   time. A sync lasts until every API request it made (and every request made from their
 *   callbacks) has been answered. A key is never queued twice; a key that gets dirty while it is
 *   being synced is queued again when that sync ends (client-go's workqueue semantics).
 * - `retries`: keys that wait (rate-limited retries after an error, `requeueAfter`) are promoted
 *   into the queue exactly when due (the `retry` delay). The back-off per key is client-go's
 *   default controller rate limiter's exponential part: 5 ms, doubling, capped at 1000 s; a
 *   successful sync forgets the key's failures.
 * - `housekeeping`: every `tick` (1 s) the API client re-sends or times out requests, informers
 *   retry refused watches and restart silent ones, and a periodic resync (if any) queues every
 *   cached object again; `resting` when there is nothing of that to do (no request in flight,
 *   shared informers, no resync), so an idle controller arms no timer.
 *
 * @example
 * const podCounter = defineController({
 *   name: 'pod-counter',
 *   watches: {
 *     pods: watch<Pod>({ resource: 'pods', enqueue: ({ object }) => object.metadata?.namespace }),
 *     configmaps: watch<ConfigMap>({ resource: 'configmaps', fieldSelector: 'metadata.name=pod-count' }),
 *   },
 *   sync(namespace, ctx) {
 *     const count = ctx.list('pods').filter((p) => p.metadata?.namespace === namespace).length;
 *     const current = ctx.get('configmaps', `${namespace}/pod-count`);
 *     const data = { count: String(count) };
 *     if (!current) ctx.client.create('configmaps', namespace, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'pod-count' }, data });
 *     else if (current.data?.count !== data.count) ctx.client.update('configmaps', { ...current, data });
 *   },
 * });
 */
import { setup } from 'xstate';
import type { Port } from '../../src/kernel/port.js';
import type { Rng } from '../../src/kernel/rng.js';
import type { KubeObject } from '../../src/api/types.js';
import { ApiClient, type ApiClientOptions, type RequestSpec } from '../client/api-client.js';
import { objectKey, type Informer } from '../client/informer.js';
import type { SharedInformerFactory } from '../client/shared-informers.js';
import type { EventLevel } from '../client/events.js';
import type { ApiQuery, ApiResponse, WatchClosed, WatchEvent } from '../protocol.js';
import { apiClientTransitions } from '../client/transitions.js';
import { ControllerRuntime, type AnySpec } from './runtime.js';

// ---- the public API of a controller definition ------------------------------------------------

/** What happened to a watched object: the informer's add / update / delete, or a periodic resync. */
export interface WatchChange<T extends KubeObject = KubeObject> {
  type: 'added' | 'modified' | 'deleted' | 'resync';
  /** The object as it is now (for `deleted`: its last state). */
  object: T;
  /** The previous state, for `modified` and `resync`. */
  old?: T;
}

/** What a watch's `enqueue` returns: keys to queue (nothing, one, or several). */
export type Keys = string | Iterable<string> | undefined | null | void;

/** One watch of a controller: an informer (resource, group, selectors), its indexes, and how its events map to keys. */
export interface WatchSpec<T extends KubeObject = KubeObject, S = any, O = any> {
  /** Plural resource name (`pods`). */
  resource: string;
  /** API group (`apps`); '' or absent for the core group. */
  group?: string;
  /** Watch one namespace only. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Secondary indexes of the cache (client-go Indexers): name → function giving the index values
   * of an object (e.g. `byNode: (pod) => pod.spec?.nodeName`). Read them with `ctx.byIndex`.
   */
  indexes?: Record<string, (obj: T) => string | readonly string[] | undefined | null>;
  /**
   * Maps an event to the keys to queue (default: the object's own `namespace/name`). It runs on
   * every event, so it should only compute keys; it may also note bookkeeping in `ctx.state`
   * (e.g. the ReplicaSet controller's expectations), never send anything.
   */
  enqueue?(change: WatchChange<T>, ctx: HandlerContext<any, S, O>): Keys;
}

/** The object type of a watch. */
export type ObjectOf<W> = W extends WatchSpec<infer T, any, any> ? T : KubeObject;

/** Declares a watch with its object type, for typed `enqueue` and cache reads: `watch<Pod>({ resource: 'pods' })`. */
export function watch<T extends KubeObject, S = any, O = any>(spec: WatchSpec<T, S, O>): WatchSpec<T, S, O> {
  return spec;
}

/** A map of watch name → watch. */
export type Watches = Record<string, WatchSpec<any, any, any>>;

/** Read access to a controller's caches (informers' stores and their indexes). */
export interface CacheReader<W extends Watches> {
  /** One cached object by `namespace/name` (or `name`). */
  get<K extends keyof W & string>(watch: K, key: string): ObjectOf<W[K]> | undefined;
  /** Every cached object of a watch, in key order (optionally filtered). */
  list<K extends keyof W & string>(watch: K, filter?: (obj: ObjectOf<W[K]>) => boolean): ObjectOf<W[K]>[];
  /** The cached objects whose index `index` has `value`, in key order. */
  byIndex<K extends keyof W & string>(watch: K, index: string, value: string): ObjectOf<W[K]>[];
  /** How many cached objects have `value` in index `index` (without listing them). */
  countIndex<K extends keyof W & string>(watch: K, index: string, value: string): number;
  /** The informer of a watch (its store, sync state and resourceVersion). */
  informer<K extends keyof W & string>(watch: K): Informer<ObjectOf<W[K]>>;
}

/** What an `enqueue` function sees: the caches, the controller's memory and options, the time. */
export interface HandlerContext<W extends Watches, S, O> extends CacheReader<W> {
  /** The controller's own memory (from `spec.state()`); it lives as long as the controller actor. */
  readonly state: S;
  /** The controller's options (spec defaults merged with the input's). */
  readonly options: O;
  /** Virtual time, ms. */
  now(): number;
}

/** How a request's answer counts for the sync that made it. */
export interface RequestOptions {
  /**
   * Non-2xx codes that are not failures of the sync (`[404]` for a delete of something already
   * gone, `[409]` for a create that raced), or `true` for none at all (the callback decides).
   */
  ignore?: readonly number[] | true;
  /** Called with the answer; it may make more requests (the sync waits for them too) and return a result. */
  onResponse?(response: ApiResponse): SyncResult;
}

/** A resource as `'pods'`, `'deployments.apps'`, `'leases'`, or `{ resource, group }`. */
export type ResourceRef = string | { resource: string; group?: string };

/** The API as a sync sees it: every request counts for the sync (it ends when all are answered). */
export interface ControllerClient {
  /** Any request (the low-level form). */
  request(spec: RequestSpec, options?: RequestOptions): void;
  /** GET one object; the answer goes to `options.onResponse`. */
  get(resource: ResourceRef, namespace: string | undefined, name: string, options?: RequestOptions): void;
  /** LIST a collection; the answer goes to `options.onResponse`. */
  list(resource: ResourceRef, namespace: string | undefined, options?: RequestOptions & { labelSelector?: string; fieldSelector?: string }): void;
  /** POST a new object. */
  create(resource: ResourceRef, namespace: string | undefined, body: KubeObject, options?: RequestOptions): void;
  /** PUT an object (its metadata.resourceVersion makes it a compare-and-swap: a stale cache gets 409). */
  update(resource: ResourceRef, obj: KubeObject, options?: RequestOptions): void;
  /** PUT an object's status subresource. */
  updateStatus(resource: ResourceRef, obj: KubeObject, options?: RequestOptions): void;
  /** PATCH an object (merge patch by default). */
  patch(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    patch: unknown,
    options?: RequestOptions & { patchType?: ApiQuery['patchType']; subresource?: string },
  ): void;
  /** DELETE an object; `uid` adds a precondition (the GC deletes exactly the object it saw). */
  delete(
    resource: ResourceRef,
    namespace: string | undefined,
    name: string,
    options?: RequestOptions & { propagationPolicy?: ApiQuery['propagationPolicy']; uid?: string; gracePeriodSeconds?: number },
  ): void;
}

/** What a sync returns: nothing (done), an error (retried with back-off), and/or a time to look again. */
export type SyncResult = void | undefined | { error?: string; requeueAfter?: number };

/** What a sync sees and can do. Valid only during the sync (including its requests' callbacks). */
export interface SyncContext<W extends Watches, S, O> extends HandlerContext<W, S, O> {
  /** The key being synced. */
  readonly key: string;
  /** The controller's address (`controller-manager/<name>`). */
  readonly address: string;
  /** The API, tracked for this sync. */
  readonly client: ControllerClient;
  /** The controller's seeded generator. */
  readonly rng: Rng;
  /** Virtual time (now, or `offsetMs` from now) as a Kubernetes timestamp. */
  timestamp(offsetMs?: number): string;
  /** The virtual time (ms) of a Kubernetes timestamp (micro-time too); NaN when it does not parse. */
  timeOf(timestamp: string | undefined | null): number;
  /** Marks the sync failed: the key is retried with back-off. */
  fail(reason: string): void;
  /** True once this sync has failed (a request was refused, or `fail` was called). */
  readonly failed: boolean;
  /** Syncs this key again after `ms` (the earliest of several requests wins). */
  requeueAfter(ms: number): void;
  /** Queues another key (now, or after `afterMs`). */
  enqueue(key: string, afterMs?: number): void;
  /** Runs `fn` once every request made so far has been answered (it may make more, and return a result). */
  afterRequests(fn: () => SyncResult): void;
  /** Records a core/v1 Event about an object (not waited for; respects the controller's event level). */
  recordEvent(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** A controller: what it watches and how it reconciles one key. */
export interface ControllerSpec<W extends Watches = Watches, S = unknown, O extends object = Record<string, unknown>> {
  /** The controller's name: its machine id and its address `controller-manager/<name>`. */
  name: string;
  /** `source.component` of its Events (default `<name>-controller`). */
  component?: string;
  /** The informers, by name. */
  watches: W;
  /** The controller's initial memory (expectations, health records...), fresh at every (re)start. */
  state?: () => S;
  /** Default options; the input's `options` override them (shallowly). */
  options?: O;
  /** Reconciles one key: read the caches, compare with the desired state, write through `ctx.client`. */
  sync(key: string, ctx: SyncContext<W, S, O>): SyncResult;
  /** Every this many ms every cached object is handed to its watch's `enqueue` again (`type: 'resync'`). */
  resyncPeriod?: number;
  /** Back-off of failing keys (default 5 ms doubling to 1000 s). */
  rateLimit?: { baseDelayMs?: number; maxDelayMs?: number };
}

/** Input of a controller machine. */
export interface ControllerInput {
  /** The controller's port (`controller-manager/<name>`). */
  port: Port;
  /** Bearer token (used when no `client` is given). */
  token?: string;
  /** An API client to use (the controller manager keeps one per controller across restarts). */
  client?: ApiClient;
  /** Address of the API server (default `api-server`). */
  apiServer?: string;
  /** Options of a client created here. */
  clientOptions?: ApiClientOptions;
  /** Overrides of the spec's options. */
  options?: Record<string, unknown>;
  /** Which Events to record (default all). */
  events?: EventLevel;
  /**
   * Shared informers of the component the controller runs in (the controller manager's): the
   * controller's watches subscribe to them instead of opening watches of their own, and the
   * component hands them the watch events and wakes the controller with `controller.wake`.
   */
  informers?: SharedInformerFactory;
}

/** The component that feeds a controller's shared informers wakes it after handing it events. */
export interface ControllerWake {
  type: 'controller.wake';
}

/**
 * The component that runs a controller stops it with this message before stopping the actor: the
 * controller cancels its own watches and forgets its requests in flight (a restart of the
 * controller manager, {@link stopController}).
 */
export interface ControllerStop {
  type: 'controller.stop';
}

/** Events a controller machine handles: API answers, watch streams, wake-ups and the stop. */
export type ControllerEvent = ApiResponse | WatchEvent | WatchClosed | ControllerWake | ControllerStop;

/** Context of a controller machine: its port and its runtime (queue, informers, caches, memory). */
export interface ControllerContext {
  port: Port;
  rt: ControllerRuntime;
}

// ---- the machine -----------------------------------------------------------------------------

const controllerSetup = setup({
  types: {
    input: {} as ControllerInput,
    context: {} as ControllerContext,
    events: {} as ControllerEvent,
  },
  delays: {
    /**
     * Until the next housekeeping tick with something to do (API client timeouts, informer retries
     * and silences, resyncs), on a one-second grid.
     */
    tick: ({ context }) => context.rt.housekeepingWakeAt() - context.port.now(),
    /** Until the next waiting key (retry back-off, requeueAfter) is due. */
    retry: ({ context }) => context.rt.retryDelay(),
  },
  guards: {
    informersSynced: ({ context }) => context.rt.synced,
    hasWork: ({ context }) => context.rt.queue.length > 0 && !context.rt.stopped,
    syncDone: ({ context }) => context.rt.syncDone || context.rt.current === undefined,
    hasWaiting: ({ context }) => context.rt.queue.nextReadyAt() !== undefined,
    noWaiting: ({ context }) => context.rt.queue.nextReadyAt() === undefined,
    retryEarlier: ({ context }) => context.rt.retryEarlier,
    needsHousekeeping: ({ context }) => context.rt.needsHousekeeping,
    housekeepingDueEarlier: ({ context }) => context.rt.housekeepingDueEarlier,
  },
  actions: {
    startInformers: ({ context }) => context.rt.startInformers(),
    onWatch: ({ context, event }) => context.rt.handleWatch(event as WatchEvent | WatchClosed),
    onResponse: ({ context, event }) => context.rt.handleResponse(event as ApiResponse),
    startSync: ({ context }) => context.rt.startSync(),
    finishSync: ({ context }) => context.rt.finishSync(),
    armRetry: ({ context }) => context.rt.armRetry(),
    disarmRetry: ({ context }) => context.rt.disarmRetry(),
    promoteDue: ({ context }) => context.rt.promoteDue(),
    tick: ({ context }) => context.rt.tick(),
    shutdown: ({ context }) => context.rt.shutdown(),
    beginHousekeeping: ({ context }) => context.rt.beginHousekeeping(),
    armHousekeeping: ({ context }) => context.rt.armHousekeeping(),
  },
});

const specs = new WeakMap<object, AnySpec>();

function buildMachine(spec: AnySpec) {
  return controllerSetup.createMachine({
    id: spec.name,
    context: ({ input }) => {
      const client = input.client ?? new ApiClient(input.port, input.token ?? '', { ...(input.clientOptions ?? {}), ...(input.apiServer ? { apiServer: input.apiServer } : {}) });
      return { port: input.port, rt: new ControllerRuntime(spec, input.port, client, input.options, input.events, input.informers) };
    },
    type: 'parallel',
    on: {
      ...apiClientTransitions('onResponse', 'onWatch'),
      // events reached the controller's queue through the shared informers: look at it again
      'controller.wake': {},
      // the component running the controller is about to stop it: stop watching, forget requests
      'controller.stop': { actions: 'shutdown' },
    },
    states: {
      controller: {
        initial: 'starting',
        states: {
          starting: {
            entry: 'startInformers',
            always: { guard: 'informersSynced', target: 'running' },
          },
          running: {
            initial: 'idle',
            states: {
              idle: {
                always: { guard: 'hasWork', target: 'syncing' },
              },
              syncing: {
                entry: 'startSync',
                always: { guard: 'syncDone', target: 'idle', actions: 'finishSync' },
              },
            },
          },
        },
      },
      retries: {
        initial: 'idle',
        states: {
          idle: {
            always: { guard: 'hasWaiting', target: 'waiting' },
          },
          waiting: {
            entry: 'armRetry',
            always: [
              { guard: 'noWaiting', target: 'idle', actions: 'disarmRetry' },
              { guard: 'retryEarlier', target: 'waiting', reenter: true },
            ],
            after: { retry: { target: 'waiting', reenter: true, actions: 'promoteDue' } },
          },
        },
      },
      // on a one-second grid while there is housekeeping to do (requests waiting for an answer,
      // informers of its own, a resync period), its timer armed for the ticks at which something
      // is due; at rest otherwise, so an idle controller under the controller manager (which keeps
      // the shared informers) sets no timer
      housekeeping: {
        initial: 'resting',
        states: {
          resting: {
            always: { guard: 'needsHousekeeping', target: 'ticking', actions: 'beginHousekeeping' },
          },
          ticking: {
            entry: 'armHousekeeping',
            always: { guard: 'housekeepingDueEarlier', target: 'ticking', reenter: true },
            after: { tick: { target: 'resting', actions: 'tick' } },
          },
        },
      },
    },
  });
}

/** The XState machine of a controller (what {@link defineController} returns). Its `id` is the controller's name. */
export type ControllerMachine = ReturnType<typeof buildMachine>;

/**
 * Defines a controller: returns its XState machine, to run under the controller manager
 * (`controllerManagerMachine`'s input `controllers`) or on its own (`createActor(machine, { input:
 * { port, token }, clock: kernel.clock })`, registered on the kernel at its port's address).
 *
 * @param spec - the controller's name, watches, sync function, and optional memory, options,
 *   resync period and back-off.
 */
export function defineController<W extends Watches, S = undefined, O extends object = Record<string, unknown>>(spec: ControllerSpec<W, S, O>): ControllerMachine {
  if (!spec || typeof spec.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(spec.name)) {
    throw new TypeError(`a controller needs a DNS-1123 label as name; got ${JSON.stringify(spec?.name)}`);
  }
  if (typeof spec.sync !== 'function') throw new TypeError(`controller ${spec.name} needs a sync(key, ctx) function`);
  if (!spec.watches || Object.keys(spec.watches).length === 0) throw new TypeError(`controller ${spec.name} needs at least one watch`);
  const machine = buildMachine(spec);
  specs.set(machine, spec);
  return machine;
}

/** The spec a controller machine was defined from (undefined for other machines). */
export function controllerSpecOf(machine: object): ControllerSpec<Watches, unknown, Record<string, unknown>> | undefined {
  return specs.get(machine);
}

/** The runtime (queue, caches, memory) of a running controller actor. */
export function controllerRuntimeOf(actor: { getSnapshot(): { context?: unknown } }): ControllerRuntime | undefined {
  const ctx = actor.getSnapshot().context as Partial<ControllerContext> | undefined;
  return ctx?.rt instanceof ControllerRuntime ? ctx.rt : undefined;
}

/** Stops a controller actor cleanly: tells it to stop (it cancels its watches and forgets its requests), then stops the actor. */
export function stopController(actor: { send(event: ControllerStop): void; stop(): void }): void {
  actor.send({ type: 'controller.stop' });
  actor.stop();
}

// ---- helpers for sync functions -----------------------------------------------------------------

/** Splits a `namespace/name` key (a cluster-scoped key has no namespace). */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export { objectKey };
