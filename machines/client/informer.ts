/**
 * The informer (client-go's reflector and store): one watch on a resource, started with the
 * WatchList protocol (the current objects as ADDED, then a bookmark), kept in a local store,
 * resumed from the last resourceVersion when the stream breaks or a gap shows in its sequence,
 * and relisted from scratch when the server says the version is too old (410).
 */
import type { KubeObject } from '../../src/api/types.js';
import type { ApiQuery, ApiResponse, WatchClosed, WatchEvent } from '../protocol.js';
import type { ApiClient } from './api-client.js';
import { objectKey } from '../../src/api/object-key.js';

/** What an informer watches. */
export interface InformerSpec {
  resource: string;
  group?: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Callbacks of an informer: each gets the object (and the old one on update), and its key in the
 * informer's store (`namespace/name`): on add, the very string the store keeps, which indexes
 * built on the informer can keep too instead of a copy of their own.
 */
export interface InformerHandlers<T extends KubeObject> {
  onAdd?(obj: T, key: string): void;
  onUpdate?(old: T, obj: T, key: string): void;
  /** `last` is the object as this informer last had it (the event's object may be newer). */
  onDelete?(obj: T, last: T, key: string): void;
  /** The initial state has been received (once per (re)list). */
  onSynced?(): void;
}


export { objectKey };

/** A watched, locally cached view of one resource. */
export class Informer<T extends KubeObject = KubeObject> {
  /** Objects by `namespace/name`, as the watch delivered them (read it; only the informer writes it). */
  readonly store = new Map<string, T>();
  /** The last resourceVersion seen. */
  lastResourceVersion = '';
  /** True once the initial state arrived. */
  synced = false;
  private watchId = '';
  private seq = 0;
  private heard = 0;
  private relisting = false;
  /** Pending keys from a relist: what was not re-announced is deleted when the relist ends. */
  private unseen: Set<string> | undefined;
  private retryAt = -1;
  /** The store's keys in order, until a key is added or removed. */
  private sortedKeys: string[] | undefined;
  /** How often the stream was restarted (for tests and the inspector). */
  restarts = 0;

  constructor(
    private readonly client: ApiClient,
    readonly spec: InformerSpec,
    private readonly handlers: InformerHandlers<T> = {},
    /** The watch is considered dead after this long without any event or bookmark. */
    private readonly silenceMs = 150_000,
  ) {}

  /** Starts (or restarts) the watch: from the last resourceVersion, or a full relist. */
  start(relist = !this.synced): void {
    if (this.watchId) this.client.port.send(this.client.apiServer, { type: 'watch.cancel', watchId: this.watchId });
    this.relisting = relist;
    // a relist is a new initial state: not synced until its initial events end
    if (relist) this.synced = false;
    this.unseen = relist ? new Set(this.store.keys()) : undefined;
    this.seq = 0;
    this.heard = this.client.port.now();
    this.retryAt = -1;
    const query: ApiQuery = { allowWatchBookmarks: true };
    if (this.spec.labelSelector) query.labelSelector = this.spec.labelSelector;
    if (this.spec.fieldSelector) query.fieldSelector = this.spec.fieldSelector;
    if (relist) query.sendInitialEvents = true;
    else query.resourceVersion = this.lastResourceVersion;
    const id = this.client.request(
      { verb: 'watch', resource: this.spec.resource, group: this.spec.group, namespace: this.spec.namespace, query },
      (res) => this.onWatchResponse(res),
    );
    this.watchId = id;
  }

  /** The id of the current watch. */
  get id(): string {
    return this.watchId;
  }

  private onWatchResponse(res: ApiResponse): void {
    if (res.code >= 200 && res.code < 300) return;
    // the server refused or did not answer: try again a little later
    this.watchId = '';
    this.retryAt = this.client.port.now() + 1_000;
  }

  /** Hands a watch event to the informer; false when it is not for this informer. */
  handle(event: WatchEvent | WatchClosed): boolean {
    if (event.watchId !== this.watchId || !this.watchId) return false;
    this.heard = this.client.port.now();
    if (event.type === 'watch.closed') {
      this.start(!this.synced);
      return true;
    }
    if (event.seq <= this.seq) return true; // a duplicate
    if (event.seq !== this.seq + 1) {
      // a gap: something was lost on the way; resume from what we have
      this.start(!this.synced);
      return true;
    }
    this.seq = event.seq;
    const obj = event.object as T;
    const rv = obj.metadata?.resourceVersion;
    switch (event.type) {
      case 'watch.added':
      case 'watch.modified': {
        const key = objectKey(obj);
        this.unseen?.delete(key);
        const old = this.store.get(key);
        if (!old) this.sortedKeys = undefined;
        this.store.set(key, obj);
        if (rv) this.lastResourceVersion = rv;
        if (old) this.handlers.onUpdate?.(old, obj, key);
        else this.handlers.onAdd?.(obj, key);
        break;
      }
      case 'watch.deleted': {
        const key = objectKey(obj);
        const old = this.store.get(key);
        if (this.store.delete(key)) this.sortedKeys = undefined;
        if (rv) this.lastResourceVersion = rv;
        if (old) this.handlers.onDelete?.(obj, old, key);
        break;
      }
      case 'watch.bookmark': {
        if (rv) this.lastResourceVersion = rv;
        if (this.relisting && obj.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') {
          this.relisting = false;
          for (const key of this.unseen ?? []) {
            const gone = this.store.get(key)!;
            this.store.delete(key);
            this.sortedKeys = undefined;
            this.handlers.onDelete?.(gone, gone, key);
          }
          this.unseen = undefined;
          this.synced = true;
          this.handlers.onSynced?.();
        }
        break;
      }
      case 'watch.error': {
        // 410 Gone: the resourceVersion is too old; relist everything
        this.restarts++;
        this.start(true);
        break;
      }
    }
    return true;
  }

  /** Called on the component's periodic tick: retries a refused watch, restarts a silent one. */
  tick(): void {
    const now = this.client.port.now();
    if (this.retryAt >= 0 && now >= this.retryAt) {
      this.restarts++;
      this.start(!this.synced);
    } else if (this.watchId && now > this.heard + this.silenceMs) {
      this.restarts++;
      this.start(!this.synced);
    }
  }

  /**
   * When `tick` has something to do next: the retry of a refused watch, or the moment the current
   * watch counts as silent (Infinity: neither).
   */
  nextDueAt(): number {
    return this.retryAt < 0 && this.watchId ? this.dueAt() + 1 : this.dueAt();
  }

  /**
   * The exact moment `tick` may have something to do (Infinity: nothing): a tick at or after it
   * retries the refused watch; a tick strictly after it restarts the silent one.
   */
  dueAt(): number {
    if (this.retryAt >= 0) return this.retryAt;
    if (this.watchId) return this.heard + this.silenceMs;
    return Infinity;
  }

  /** Stops watching. */
  stop(): void {
    if (this.watchId) this.client.port.send(this.client.apiServer, { type: 'watch.cancel', watchId: this.watchId });
    this.watchId = '';
    this.retryAt = -1;
  }

  /** Every cached object, in key order. */
  list(): T[] {
    // the order is kept until a key comes or goes (most changes only update an object)
    const keys = (this.sortedKeys ??= [...this.store.keys()].sort());
    const out: T[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.store.get(keys[i]!)!;
    return out;
  }

  toJSON(): { resource: string; objects: number; synced: boolean; resourceVersion: string } {
    return { resource: this.spec.resource, objects: this.store.size, synced: this.synced, resourceVersion: this.lastResourceVersion };
  }
}
