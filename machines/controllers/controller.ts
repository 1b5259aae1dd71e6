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
import { findResource } from '../../src/api/resources.js';
import { ApiClient, isSuccess, statusOf, type ApiClientOptions, type RequestSpec } from '../client/api-client.js';
import { Informer, objectKey, type InformerHandlers } from '../client/informer.js';
import type { SharedInformerFactory } from '../client/shared-informers.js';
import { EventRecorder, type EventLevel } from '../client/events.js';
import type { ApiQuery, ApiResponse, WatchClosed, WatchEvent } from '../protocol.js';
import { apiClientTransitions } from '../client/transitions.js';

// ---- the work queue ----------------------------------------------------------------------------

/** First retry delay of a failing key (client-go `DefaultControllerRateLimiter`: 5 ms). */
const DEFAULT_BASE_DELAY_MS = 5;
/** Longest retry delay of a failing key (client-go: 1000 s). */
const DEFAULT_MAX_DELAY_MS = 1_000_000;

interface Waiting {
  at: number;
  seq: number;
  key: string;
}

/**
 * client-go's rate-limited delaying work queue, on virtual time:
 *
 * - `add`: a key is queued once however often it is added (dirty set); a key being processed is
 *   only marked dirty and queued again by `done`;
 * - `addAfter`: the key waits until a time (the earliest of several waits wins), then is added;
 * - `addRateLimited`: waits `base × 2^failures` (capped), counting a failure; `forget` resets it.
 *
 * Order is FIFO for queued keys and (time, insertion) for waiting ones: no unordered iteration.
 */
export class WorkQueue {
  private ring: (string | undefined)[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, number>();
  private heap: Waiting[] = [];
  private seq = 0;
  private readonly failures = new Map<string, number>();

  constructor(
    /** First back-off of a failing key, ms. */
    readonly baseDelayMs = DEFAULT_BASE_DELAY_MS,
    /** Back-off ceiling, ms. */
    readonly maxDelayMs = DEFAULT_MAX_DELAY_MS,
  ) {}

  /** Keys queued and not being processed. */
  get length(): number {
    return this.ring.length - this.head;
  }

  /** Keys waiting for a later time. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Queues a key (once: adding a queued key does nothing; a key being processed is queued again when done). */
  add(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.ring.push(key);
  }

  /** Takes the next key for processing; undefined when none is queued. */
  get(): string | undefined {
    if (this.head >= this.ring.length) return undefined;
    const key = this.ring[this.head]!;
    this.ring[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  /** Ends the processing of a key; queues it again when it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.ring.push(key);
  }

  /** Adds a key `delayMs` after `now` (at once for 0 or less); an earlier wait for the key is kept. */
  addAfter(key: string, delayMs: number, now: number): void {
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const at = now + delayMs;
    const current = this.waiting.get(key);
    if (current !== undefined && current <= at) return;
    this.waiting.set(key, at);
    this.push({ at, seq: this.seq++, key });
  }

  /** Adds a key after its back-off (counting a failure); returns the delay chosen. */
  addRateLimited(key: string, now: number): number {
    const delay = this.when(key);
    this.addAfter(key, delay, now);
    return delay;
  }

  /** The next back-off of a key, counting a failure: base × 2^failures, capped. */
  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  /** Forgets a key's failures (after a successful sync). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times a key has failed in a row. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** True when the key is queued, being processed or waiting. */
  has(key: string): boolean {
    return this.dirty.has(key) || this.processing.has(key) || this.waiting.has(key);
  }

  /** The time the next waiting key is due, or undefined. */
  nextReadyAt(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Adds every waiting key that is due at `now`; returns how many. */
  promote(now: number): number {
    let n = 0;
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) return n;
      this.pop();
      this.waiting.delete(top.key);
      this.add(top.key);
      n++;
    }
  }

  /** Queued keys in order (for tests and the inspector). */
  queued(): string[] {
    return this.ring.slice(this.head) as string[];
  }

  toJSON(): { queued: number; processing: number; waiting: number; failing: number } {
    return { queued: this.length, processing: this.processing.size, waiting: this.waiting.size, failing: this.failures.size };
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.waiting.get(top.key) === top.at) return;
      this.pop();
    }
  }

  private less(a: Waiting, b: Waiting): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(w: Waiting): void {
    const h = this.heap;
    h.push(w);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

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

/** Events a controller machine handles: API answers, watch streams, and wake-ups. */
export type ControllerEvent = ApiResponse | WatchEvent | WatchClosed | ControllerWake;

/** Context of a controller machine: its port and its runtime (queue, informers, caches, memory). */
export interface ControllerContext {
  port: Port;
  rt: ControllerRuntime;
}

// ---- the runtime behind the machine ------------------------------------------------------------

interface SyncRun {
  key: string;
  started: number;
  pending: number;
  errors: string[];
  requeueAfter: number | undefined;
  after: (() => SyncResult)[];
}

type AnySpec = ControllerSpec<Watches, any, any>;

function resolveRef(ref: ResourceRef): { resource: string; group?: string } {
  if (typeof ref !== 'string') return ref;
  const info = findResource(ref);
  return info ? { resource: info.plural, group: info.group || undefined } : { resource: ref };
}

function describeFailure(spec: RequestSpec, res: ApiResponse): string {
  const target = [spec.namespace, spec.name].filter(Boolean).join('/');
  const what = `${spec.verb} ${spec.resource}${spec.subresource ? '/' + spec.subresource : ''}${target ? ' ' + target : ''}`;
  return `${what}: ${res.code} ${statusOf(res)?.message ?? ''}`.trim();
}

/** Parses a Kubernetes timestamp (seconds or micro-time) to virtual ms. */
function parseTime(port: Port, ts: string | undefined | null): number {
  if (!ts) return NaN;
  return port.timeOf(ts);
}

/**
 * Everything a controller actor holds besides its state value: the work queue, informers and
 * their indexes, the controller's memory, and the sync in progress. The machine's actions call it;
 * `toJSON` keeps snapshots small.
 */
export class ControllerRuntime {
  readonly queue: WorkQueue;
  readonly informers = new Map<string, Informer>();
  readonly state: unknown;
  readonly options: Record<string, unknown>;
  readonly recorder: EventRecorder;
  /** The sync in progress. */
  current: SyncRun | undefined;
  /** When the retry timer is armed for. */
  armedAt = Infinity;
  /** True once stopped: late callbacks do nothing. */
  stopped = false;
  /** Counters for tests and the inspector. */
  readonly stats = { syncs: 0, failures: 0, requests: 0, errors: 0, lastError: '' };
  /** Per watch, per index, the keys of the objects by index value. */
  private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
  private lastResync: number;
  private readonly cache: HandlerContext<Watches, unknown, Record<string, unknown>>;

  /** True when the informers are the component's shared ones (it starts, feeds and ticks them). */
  readonly sharedInformers: boolean;

  constructor(
    readonly spec: AnySpec,
    readonly port: Port,
    readonly client: ApiClient,
    options: Record<string, unknown> | undefined,
    events: EventLevel | undefined,
    shared?: SharedInformerFactory,
  ) {
    this.sharedInformers = shared !== undefined;
    this.queue = new WorkQueue(spec.rateLimit?.baseDelayMs, spec.rateLimit?.maxDelayMs);
    this.state = spec.state ? spec.state() : undefined;
    this.options = { ...(spec.options ?? {}), ...(options ?? {}) };
    this.recorder = new EventRecorder(client, spec.component ?? `${spec.name}-controller`, undefined, events ?? 'all');
    this.lastResync = port.now();
    const rt = this;
    this.cache = {
      get: (w, key) => rt.informerOf(w).store.get(key) as never,
      list: (w, filter) => {
        const all = rt.informerOf(w).list();
        return (filter ? all.filter(filter as (o: KubeObject) => boolean) : all) as never;
      },
      byIndex: (w, index, value) => rt.byIndex(w, index, value) as never,
      countIndex: (w, index, value) => rt.countIndex(w, index, value),
      informer: (w) => rt.informerOf(w) as never,
      get state() {
        return rt.state;
      },
      get options() {
        return rt.options;
      },
      now: () => rt.port.now(),
    };
    for (const [name, w] of Object.entries(spec.watches)) {
      if (w.indexes) {
        const byIndex = new Map<string, Map<string, Set<string>>>();
        for (const index of Object.keys(w.indexes)) byIndex.set(index, new Map());
        this.indexes.set(name, byIndex);
      }
      const watchSpec = { resource: w.resource, group: w.group, namespace: w.namespace, labelSelector: w.labelSelector, fieldSelector: w.fieldSelector };
      const subscribe = (handlers: InformerHandlers<KubeObject>) => (shared ? shared.subscribe(watchSpec, handlers) : new Informer(client, watchSpec, handlers));
      const informer = subscribe({
        onAdd: (obj) => {
          this.reindex(name, undefined, obj);
          this.dispatch(name, { type: 'added', object: obj });
        },
        onUpdate: (old, obj) => {
          this.reindex(name, old, obj);
          this.dispatch(name, { type: 'modified', object: obj, old });
        },
        onDelete: (obj, last) => {
          this.reindex(name, last, undefined);
          this.dispatch(name, { type: 'deleted', object: obj });
        },
      });
      this.informers.set(name, informer);
    }
  }

  /** The controller's address. */
  get address(): string {
    return this.port.address;
  }

  /** True when every informer has its initial state. */
  get synced(): boolean {
    for (const inf of this.informers.values()) if (!inf.synced) return false;
    return true;
  }

  /** True when the sync in progress has nothing left to wait for. */
  get syncDone(): boolean {
    const run = this.current;
    return run !== undefined && run.pending === 0 && run.after.length === 0;
  }

  /** Starts every informer (a full list-and-watch); shared ones are started by their component. */
  startInformers(): void {
    if (this.sharedInformers) return;
    for (const inf of this.informers.values()) inf.start(true);
  }

  /** Hands a watch event to the informer it belongs to. */
  handleWatch(event: WatchEvent | WatchClosed): void {
    if (this.stopped) return;
    for (const inf of this.informers.values()) if (inf.handle(event)) return;
  }

  /** Hands an API answer to the request waiting for it. */
  handleResponse(response: ApiResponse): void {
    if (this.stopped) return;
    this.client.handle(response);
  }

  /** Housekeeping: API client timeouts, informer retries, periodic resync. */
  tick(): void {
    if (this.stopped) return;
    this.client.sweep();
    if (!this.sharedInformers) for (const inf of this.informers.values()) inf.tick();
    const period = this.spec.resyncPeriod;
    const now = this.port.now();
    if (period && period > 0 && now - this.lastResync >= period) {
      this.lastResync = now;
      for (const [name, inf] of this.informers) {
        if (!inf.synced) continue;
        for (const obj of inf.list()) this.dispatch(name, { type: 'resync', object: obj, old: obj });
      }
    }
  }

  /**
   * True while the periodic housekeeping has something to do: requests wait for an answer (their
   * timeouts), the informers are the controller's own (retries, silent watches), or a resync
   * period is set.
   */
  get needsHousekeeping(): boolean {
    if (this.stopped) return false;
    return this.client.inFlight > 0 || !this.sharedInformers || (this.spec.resyncPeriod ?? 0) > 0;
  }

  /** Delay until the next waiting key is due (for the `retry` timer). */
  retryDelay(): number {
    const next = this.queue.nextReadyAt();
    return next === undefined ? 0 : Math.max(0, next - this.port.now());
  }

  /** Notes the time the retry timer was armed for. */
  armRetry(): void {
    this.armedAt = this.queue.nextReadyAt() ?? Infinity;
  }

  /** Notes that no retry timer is armed. */
  disarmRetry(): void {
    this.armedAt = Infinity;
  }

  /**
   * True when the actor must look at its queue again: a key is ready, or a key waits for an
   * earlier time than its retry timer was armed for (or no timer is armed). The component that
   * feeds shared informers wakes a controller only then.
   */
  get needsWake(): boolean {
    return !this.stopped && (this.queue.length > 0 || this.retryEarlier);
  }

  /** True when a key now waits for an earlier time than the armed timer. */
  get retryEarlier(): boolean {
    const next = this.queue.nextReadyAt();
    return next !== undefined && next < this.armedAt;
  }

  /** Queues the waiting keys that are due. */
  promoteDue(): void {
    this.queue.promote(this.port.now());
  }

  /** Takes the next key and runs the sync function on it. */
  startSync(): void {
    const key = this.queue.get();
    if (key === undefined) return;
    const run: SyncRun = { key, started: this.port.now(), pending: 0, errors: [], requeueAfter: undefined, after: [] };
    this.current = run;
    this.stats.syncs++;
    const ctx = this.syncContext(run);
    this.invoke(run, () => this.spec.sync(key, ctx as never));
    this.settle(run);
  }

  /** Ends the sync in progress: forget or rate-limit the key, honour `requeueAfter`. */
  finishSync(): void {
    const run = this.current;
    if (!run) return;
    this.current = undefined;
    const now = this.port.now();
    this.queue.done(run.key);
    if (run.errors.length > 0) {
      this.stats.failures++;
      this.stats.lastError = `${run.key}: ${run.errors[0]}`;
      this.queue.addRateLimited(run.key, now);
    } else {
      this.queue.forget(run.key);
    }
    if (run.requeueAfter !== undefined) this.queue.addAfter(run.key, run.requeueAfter, now);
  }

  /** Stops watching and forgets requests in flight (the controller is stopped or restarted). */
  shutdown(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.sharedInformers) for (const inf of this.informers.values()) inf.stop();
    this.client.reset();
    this.current = undefined;
  }

  /** The objects of a watch's index value, in key order. */
  byIndex(watchName: string, index: string, value: string): KubeObject[] {
    const inf = this.informerOf(watchName);
    const idx = this.indexes.get(watchName)?.get(index);
    if (!idx) throw new Error(`controller ${this.spec.name}: watch "${watchName}" has no index "${index}"`);
    const keys = idx.get(value);
    if (!keys || keys.size === 0) return [];
    return [...keys].sort().map((k) => inf.store.get(k)!).filter(Boolean);
  }

  /** How many objects of a watch have an index value. */
  countIndex(watchName: string, index: string, value: string): number {
    const idx = this.indexes.get(watchName)?.get(index);
    if (!idx) throw new Error(`controller ${this.spec.name}: watch "${watchName}" has no index "${index}"`);
    return idx.get(value)?.size ?? 0;
  }

  toJSON(): unknown {
    return {
      name: this.spec.name,
      queue: this.queue.toJSON(),
      syncing: this.current?.key,
      informers: [...this.informers.entries()].map(([name, inf]) => ({ name, ...inf.toJSON() })),
      stats: this.stats,
    };
  }

  // ---- internals -------------------------------------------------------------------------------

  private informerOf(name: string): Informer {
    const inf = this.informers.get(name);
    if (!inf) throw new Error(`controller ${this.spec.name} has no watch "${name}"`);
    return inf;
  }

  /**
   * Moves an object's key in the watch's indexes from the values of `before` (the object as the
   * informer had it, and as it was indexed) to those of `after` (none when deleted). The values
   * of `before` are computed again rather than kept: index functions are pure, and keeping them
   * would cost a few arrays per object for good.
   */
  private reindex(watchName: string, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const fns = this.spec.watches[watchName]?.indexes;
    const byIndex = this.indexes.get(watchName);
    if (!fns || !byIndex) return;
    const key = objectKey((after ?? before)!);
    // an index function that throws was reported when the object came in, not again on its way out
    const old = before ? this.indexEntries(fns, before, false) : NO_ENTRIES;
    const entries = after ? this.indexEntries(fns, after, true) : NO_ENTRIES;
    // most updates (a status change) leave every index value as it was
    if (sameEntries(old, entries)) return;
    for (const [index, values] of old) {
      const idx = byIndex.get(index)!;
      for (const v of values) {
        const set = idx.get(v);
        if (!set) continue;
        set.delete(key);
        if (set.size === 0) idx.delete(v);
      }
    }
    for (const [index, values] of entries) {
      const idx = byIndex.get(index)!;
      for (const v of values) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
    }
  }

  /** An object's values for each index of a watch (indexes with no value left out). */
  private indexEntries(fns: Record<string, (obj: KubeObject) => string | readonly string[] | undefined | null>, obj: KubeObject, report: boolean): [string, string[]][] {
    const entries: [string, string[]][] = [];
    for (const index in fns) {
      let raw: string | readonly string[] | undefined | null;
      try {
        raw = fns[index]!(obj);
      } catch (error) {
        if (report) this.report(error);
        raw = undefined;
      }
      const values = raw === undefined || raw === null || raw === '' ? [] : typeof raw === 'string' ? [raw] : [...raw];
      if (values.length > 0) entries.push([index, values]);
    }
    return entries;
  }

  private dispatch(watchName: string, change: WatchChange): void {
    if (this.stopped) return;
    const w = this.spec.watches[watchName]!;
    let keys: Keys;
    try {
      keys = w.enqueue ? w.enqueue(change, this.cache) : objectKey(change.object);
    } catch (error) {
      this.report(error);
      return;
    }
    if (keys === undefined || keys === null) return;
    if (typeof keys === 'string') {
      if (keys) this.queue.add(keys);
      return;
    }
    for (const k of keys) if (k) this.queue.add(k);
  }

  private report(error: unknown): void {
    this.stats.errors++;
    this.stats.lastError = error instanceof Error ? error.message : String(error);
    this.port.kernel.reportError(this.port.address, error);
  }

  private invoke(run: SyncRun, fn: () => SyncResult): void {
    let result: SyncResult;
    try {
      result = fn();
    } catch (error) {
      run.errors.push(`sync threw: ${error instanceof Error ? error.message : String(error)}`);
      this.report(error);
      return;
    }
    if (result && typeof result === 'object') {
      if (result.error) run.errors.push(result.error);
      if (result.requeueAfter !== undefined && result.requeueAfter >= 0) {
        run.requeueAfter = run.requeueAfter === undefined ? result.requeueAfter : Math.min(run.requeueAfter, result.requeueAfter);
      }
    }
  }

  private settle(run: SyncRun): void {
    while (run.pending === 0 && run.after.length > 0 && !this.stopped) {
      const fn = run.after.shift()!;
      this.invoke(run, fn);
    }
  }

  private track(run: SyncRun, spec: RequestSpec, options: RequestOptions | undefined): void {
    if (this.stopped) return;
    run.pending++;
    this.stats.requests++;
    this.client.request(spec, (res) => {
      if (this.stopped) return;
      run.pending--;
      const ignore = options?.ignore;
      const ignored = ignore === true || (Array.isArray(ignore) && ignore.includes(res.code));
      if (!isSuccess(res) && !ignored) run.errors.push(describeFailure(spec, res));
      const cb = options?.onResponse;
      if (cb) this.invoke(run, () => cb(res));
      this.settle(run);
    });
  }

  private syncContext(run: SyncRun): SyncContext<Watches, unknown, Record<string, unknown>> {
    const rt = this;
    const req = (spec: RequestSpec, options?: RequestOptions) => rt.track(run, spec, options);
    const client: ControllerClient = {
      request: req,
      get: (ref, namespace, name, options) => req({ verb: 'get', ...resolveRef(ref), namespace, name }, options),
      list: (ref, namespace, options) => {
        const query: ApiQuery = {};
        if (options?.labelSelector) query.labelSelector = options.labelSelector;
        if (options?.fieldSelector) query.fieldSelector = options.fieldSelector;
        req({ verb: 'list', ...resolveRef(ref), namespace, query }, options);
      },
      create: (ref, namespace, body, options) => req({ verb: 'create', ...resolveRef(ref), namespace, body }, options),
      update: (ref, obj, options) =>
        req({ verb: 'update', ...resolveRef(ref), namespace: obj.metadata?.namespace, name: obj.metadata?.name, body: obj }, options),
      updateStatus: (ref, obj, options) =>
        req({ verb: 'update', ...resolveRef(ref), subresource: 'status', namespace: obj.metadata?.namespace, name: obj.metadata?.name, body: obj }, options),
      patch: (ref, namespace, name, patch, options) =>
        req(
          { verb: 'patch', ...resolveRef(ref), namespace, name, subresource: options?.subresource, body: patch, query: { patchType: options?.patchType ?? 'merge' } },
          options,
        ),
      delete: (ref, namespace, name, options) => {
        const query: ApiQuery = {};
        if (options?.propagationPolicy) query.propagationPolicy = options.propagationPolicy;
        if (options?.gracePeriodSeconds !== undefined) query.gracePeriodSeconds = options.gracePeriodSeconds;
        const body = options?.uid ? { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: options.uid } } : undefined;
        req({ verb: 'delete', ...resolveRef(ref), namespace, name, query, ...(body ? { body } : {}) }, options);
      },
    };
    return {
      ...this.cacheMethods(),
      key: run.key,
      address: this.port.address,
      client,
      rng: this.port.rng,
      get state() {
        return rt.state;
      },
      get options() {
        return rt.options;
      },
      now: () => rt.port.now(),
      timestamp: (offsetMs?: number) => rt.port.timestamp(offsetMs),
      timeOf: (ts) => parseTime(rt.port, ts),
      fail: (reason: string) => {
        run.errors.push(reason);
      },
      get failed() {
        return run.errors.length > 0;
      },
      requeueAfter: (ms: number) => {
        if (!(ms >= 0)) return;
        run.requeueAfter = run.requeueAfter === undefined ? ms : Math.min(run.requeueAfter, ms);
      },
      enqueue: (key: string, afterMs?: number) => {
        if (afterMs && afterMs > 0) rt.queue.addAfter(key, afterMs, rt.port.now());
        else rt.queue.add(key);
      },
      afterRequests: (fn: () => SyncResult) => {
        run.after.push(fn);
      },
      recordEvent: (obj, type, reason, message) => {
        if (!rt.stopped) rt.recorder.record(obj, type, reason, message);
      },
    };
  }

  private cacheMethods(): CacheReader<Watches> {
    return { get: this.cache.get, list: this.cache.list, byIndex: this.cache.byIndex, countIndex: this.cache.countIndex, informer: this.cache.informer };
  }
}

// ---- the machine -----------------------------------------------------------------------------

const controllerSetup = setup({
  types: {
    input: {} as ControllerInput,
    context: {} as ControllerContext,
    events: {} as ControllerEvent,
  },
  delays: {
    /** Housekeeping period: API client timeouts, informer retries and resync checks. */
    tick: 1_000,
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
      // every second while there is housekeeping to do (requests waiting for an answer, informers
      // of its own, a resync period); at rest otherwise, so an idle controller under the
      // controller manager (which keeps the shared informers) sets no timer
      housekeeping: {
        initial: 'resting',
        states: {
          resting: {
            always: { guard: 'needsHousekeeping', target: 'ticking' },
          },
          ticking: {
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

/** Stops a controller actor cleanly: cancels its watches, forgets its requests, stops the actor. */
export function stopController(actor: { getSnapshot(): { context?: unknown }; stop(): void }): void {
  controllerRuntimeOf(actor)?.shutdown();
  actor.stop();
}

// ---- helpers for sync functions -----------------------------------------------------------------

/** Splits a `namespace/name` key (a cluster-scoped key has no namespace). */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export { objectKey };

const NO_ENTRIES: readonly [string, string[]][] = [];

function sameEntries(a: readonly [string, string[]][], b: readonly [string, string[]][]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const [ia, va] = a[i]!;
    const [ib, vb] = b[i]!;
    if (ia !== ib || va.length !== vb.length) return false;
    for (let j = 0; j < va.length; j++) if (va[j] !== vb[j]) return false;
  }
  return true;
}
