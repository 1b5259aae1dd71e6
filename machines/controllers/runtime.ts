/**
 * The runtime behind a controller machine (client-go's controller loop): the work queue, the
 * informers and their indexes, the controller's memory, and the sync in progress with every API
 * request it made. The machine in `controller.ts` decides when to sync, retry and tick; this
 * runs them.
 */
import type { Port } from '../../src/kernel/port.js';
import type { KubeObject } from '../../src/api/types.js';
import { findResource } from '../../src/api/resources.js';
import { isSuccess, statusOf, type ApiClient, type RequestSpec } from '../client/api-client.js';
import { Informer, objectKey, type InformerHandlers } from '../client/informer.js';
import type { SharedInformerFactory } from '../client/shared-informers.js';
import { EventRecorder, type EventLevel } from '../client/events.js';
import { armGrid, beginGrid, gridDueEarlier, gridWakeAt, UNARMED_GRID, type HousekeepingGrid } from '../client/housekeeping-grid.js';
import type { ApiQuery, ApiResponse, WatchClosed, WatchEvent } from '../protocol.js';
import { WorkQueue } from './workqueue.js';
import type {
  CacheReader,
  ControllerClient,
  ControllerSpec,
  HandlerContext,
  Keys,
  RequestOptions,
  ResourceRef,
  SyncContext,
  SyncResult,
  WatchChange,
  Watches,
} from './controller.js';

interface SyncRun {
  key: string;
  started: number;
  pending: number;
  errors: string[];
  requeueAfter: number | undefined;
  after: (() => SyncResult)[];
}

/** A controller spec of any watches, memory and options. */
export type AnySpec = ControllerSpec<Watches, any, any>;

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

/** The period of a controller's housekeeping loop (client-go's and the controllers' one-second loops). */
const HOUSEKEEPING_MS = 1_000;

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
  private readonly indexes = new Map<string, Map<string, Map<string, IndexKeys>>>();
  private lastResync: number;
  private readonly cache: HandlerContext<Watches, unknown, Record<string, unknown>>;

  /** True when the informers are the component's shared ones (it starts, feeds and ticks them). */
  readonly sharedInformers: boolean;
  private readonly shared: SharedInformerFactory | undefined;

  constructor(
    readonly spec: AnySpec,
    readonly port: Port,
    readonly client: ApiClient,
    options: Record<string, unknown> | undefined,
    events: EventLevel | undefined,
    shared?: SharedInformerFactory,
  ) {
    this.sharedInformers = shared !== undefined;
    this.shared = shared;
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
        const byIndex = new Map<string, Map<string, IndexKeys>>();
        for (const index of Object.keys(w.indexes)) byIndex.set(index, new Map());
        this.indexes.set(name, byIndex);
      }
      const watchSpec = { resource: w.resource, group: w.group, namespace: w.namespace, labelSelector: w.labelSelector, fieldSelector: w.fieldSelector };
      const subscribe = (handlers: InformerHandlers<KubeObject>) => (shared ? shared.subscribe(watchSpec, handlers) : new Informer(client, watchSpec, handlers));
      const informer = subscribe({
        onAdd: (obj, key) => {
          this.reindex(name, undefined, obj, key);
          this.dispatch(name, { type: 'added', object: obj });
        },
        onUpdate: (old, obj, key) => {
          this.reindex(name, old, obj, key);
          this.dispatch(name, { type: 'modified', object: obj, old });
        },
        onDelete: (obj, last, key) => {
          this.reindex(name, last, undefined, key);
          this.dispatch(name, { type: 'deleted', object: obj });
        },
        onSynced: () => {
          if (this.synced) this.requestWake();
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
    this.housekeeping = beginGrid(this.housekeeping, this.port.now());
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

  /**
   * The housekeeping loop's one-second grid: when it last ran or began, and when its timer fires.
   * The timer is armed for the first tick at which something is due (a request's timeout, an
   * informer's retry or silence, the next resync), not for every tick.
   */
  private housekeeping: HousekeepingGrid = UNARMED_GRID;

  /** Starts the housekeeping grid now. */
  beginHousekeeping(): void {
    this.housekeeping = beginGrid(this.housekeeping, this.port.now());
  }

  /**
   * The earliest time housekeeping has something to do; with nothing to keep any more, now (the
   * next tick, where the loop comes to rest as it did every second).
   */
  private housekeepingDueAt(): number {
    if (!this.needsHousekeeping) return -Infinity;
    let due = this.client.nextDueAt();
    if (!this.sharedInformers) for (const inf of this.informers.values()) due = Math.min(due, inf.dueAt());
    const period = this.spec.resyncPeriod;
    if (period && period > 0) due = Math.min(due, this.lastResync + period);
    return due;
  }

  /** When the housekeeping timer fires: the grid's tick at which something is next due (see `gridWakeAt`). */
  housekeepingWakeAt(): number {
    return gridWakeAt(this.housekeeping.last, this.port.now(), this.housekeepingDueAt(), HOUSEKEEPING_MS);
  }

  /** Notes the time the housekeeping timer was armed for. */
  armHousekeeping(): void {
    this.housekeeping = armGrid(this.housekeeping, this.port.now(), this.housekeepingDueAt(), HOUSEKEEPING_MS);
  }

  /** True when something became due before the armed housekeeping tick (a request sent). */
  get housekeepingDueEarlier(): boolean {
    return gridDueEarlier(this.housekeeping, this.port.now(), this.housekeepingDueAt(), HOUSEKEEPING_MS);
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
    if (keys === undefined) return [];
    if (typeof keys === 'string') return inf.store.has(keys) ? [inf.store.get(keys)!] : [];
    return [...keys].sort().map((k) => inf.store.get(k)!).filter(Boolean);
  }

  /** How many objects of a watch have an index value. */
  countIndex(watchName: string, index: string, value: string): number {
    const idx = this.indexes.get(watchName)?.get(index);
    if (!idx) throw new Error(`controller ${this.spec.name}: watch "${watchName}" has no index "${index}"`);
    const keys = idx.get(value);
    return keys === undefined ? 0 : typeof keys === 'string' ? 1 : keys.size;
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
  private reindex(watchName: string, before: KubeObject | undefined, after: KubeObject | undefined, key: string): void {
    const fns = this.spec.watches[watchName]?.indexes;
    const byIndex = this.indexes.get(watchName);
    if (!fns || !byIndex) return;
    // an index function that throws was reported when the object came in, not again on its way out
    const old = before ? this.indexEntries(fns, before, false) : NO_ENTRIES;
    const entries = after ? this.indexEntries(fns, after, true) : NO_ENTRIES;
    // most updates (a status change) leave every index value as it was
    if (sameEntries(old, entries)) return;
    for (const [index, values] of old) {
      const idx = byIndex.get(index)!;
      for (const v of values) {
        const keys = idx.get(v);
        if (keys === undefined) continue;
        if (typeof keys === 'string') {
          if (keys === key) idx.delete(v);
          continue;
        }
        keys.delete(key);
        // back to the one key left, as it was before a second came
        if (keys.size === 1) idx.set(v, keys.values().next().value!);
      }
    }
    for (const [index, values] of entries) {
      const idx = byIndex.get(index)!;
      for (const v of values) {
        const keys = idx.get(v);
        if (keys === undefined) idx.set(v, key);
        else if (typeof keys === 'string') {
          if (keys !== key) idx.set(v, new Set([keys, key]));
        } else keys.add(key);
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
    } else {
      for (const k of keys) if (k) this.queue.add(k);
    }
    if (this.needsWake) this.requestWake();
  }

  /** On shared informers, asks the component feeding them to wake this controller (`controller.wake`). */
  private requestWake(): void {
    if (!this.stopped) this.shared?.requestWake(this.port.address);
  }

  private report(error: unknown): void {
    this.stats.errors++;
    this.stats.lastError = error instanceof Error ? error.message : String(error);
    this.port.reportError(error);
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

const NO_ENTRIES: readonly [string, string[]][] = [];

/**
 * The keys of one index value: the key itself while it is the only one (an index by uid has one
 * object per value: no set per object), a set once a second comes.
 */
type IndexKeys = string | Set<string>;

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
