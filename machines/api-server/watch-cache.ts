/**
 * The API server's watch cache (the "cacher"): every object as of the last etcd revision it
 * heard of, a window of recent events for watches that resume from a resourceVersion, and the
 * watchers, indexed so that a change reaches only those who asked for it (a kubelet hears only
 * about pods bound to its node).
 */
import type { FieldSelector } from '../../src/api/field-selectors.js';
import type { LabelSelectorMatcher } from '../../src/api/selectors.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import { RESOURCES, etcdKey } from '../../src/api/resources.js';
import type { KubeObject } from '../../src/api/types.js';
import type { EtcdChange, KeyValue, WatchEvent, WatchEventType } from '../protocol.js';
import { WATCH_EVENTS } from '../protocol.js';

/** A client's watch. */
export interface Watcher {
  id: string;
  /** Address of the client. */
  to: string;
  info: ResourceInfo;
  namespace?: string;
  labels?: LabelSelectorMatcher;
  fields?: FieldSelector;
  /** For pods: the node the field selector pins (`spec.nodeName=X`), the index key. */
  nodeName?: string;
  /** The one name the field selector pins (`metadata.name=X`): its initial state is one lookup. */
  name?: string;
  /** Only events after this revision are sent. */
  fromRevision: number;
  /** Events sent so far on this watch (the receiver sees a gap when one is lost). */
  seq: number;
  bookmarks: boolean;
}

/** One event of the window. */
interface CachedEvent {
  revision: number;
  info: ResourceInfo;
  key: string;
  type: 'put' | 'delete';
  object: KubeObject;
  prev?: KubeObject;
}

/** Decodes a stored value: the object with its resourceVersion set to the key's modRevision. */
export function decode(kv: KeyValue): KubeObject {
  const value = kv.value;
  return { ...value, metadata: { ...value.metadata, resourceVersion: String(kv.modRevision) } };
}

const byPrefix: { prefix: string; info: ResourceInfo }[] = RESOURCES.map((info) => ({ prefix: info.etcdPrefix, info })).sort(
  (a, b) => b.prefix.length - a.prefix.length,
);

/** The resource a key belongs to. */
export function resourceOfKey(key: string): ResourceInfo | undefined {
  for (const { prefix, info } of byPrefix) if (key.startsWith(prefix)) return info;
  return undefined;
}

/** The node a pod is bound to ('' when none). */
function nodeNameOf(obj: KubeObject): string {
  return (obj as { spec?: { nodeName?: string } }).spec?.nodeName ?? '';
}

/** True for core/v1 pods (the resource the nodeName index and the node-pinned watches are for). */
export function isPods(info: ResourceInfo): boolean {
  return info.plural === 'pods' && info.group === '';
}

/** Sends watch events; the machine supplies it (through the kernel). */
export type WatchSink = (to: string, event: WatchEvent) => void;

/** The watch cache. */
export class WatchCache {
  /** The last etcd revision applied. */
  revision = 0;
  /** Objects by etcd key. */
  readonly objects = new Map<string, KubeObject>();
  /** Objects by resource plural (and group), for initial events and selector scans. */
  private readonly byResource = new Map<ResourceInfo, Map<string, KubeObject>>();
  /** Pods by `spec.nodeName` (kube-apiserver's nodeName indexer): a kubelet's initial list reads only its own. */
  private readonly podsByNode = new Map<string, Map<string, KubeObject>>();
  private readonly window: CachedEvent[] = [];
  private windowStart = 0;
  private readonly capacity: number;
  /** Oldest revision the window can replay from (exclusive). */
  private oldest = 0;
  readonly watchers = new Map<string, Watcher>();
  private readonly watchersByResource = new Map<ResourceInfo, Set<Watcher>>();
  private readonly podWatchersByNode = new Map<string, Set<Watcher>>();

  constructor(options: { capacity?: number } = {}) {
    this.capacity = options.capacity ?? 20_000;
  }

  /** Loads the state of a full etcd range (at start, or after the etcd watch was lost for good). */
  reset(kvs: readonly KeyValue[], revision: number): void {
    this.objects.clear();
    this.byResource.clear();
    this.podsByNode.clear();
    for (const kv of kvs) {
      const info = resourceOfKey(kv.key);
      if (!info) continue;
      const obj = decode(kv);
      this.objects.set(kv.key, obj);
      this.bucket(info).set(kv.key, obj);
      if (isPods(info)) this.indexPod(kv.key, undefined, obj);
    }
    this.revision = revision;
    this.window.length = 0;
    this.windowStart = 0;
    this.oldest = revision;
  }

  /** The objects of one resource (optionally one namespace), in key order. */
  list(info: ResourceInfo, namespace?: string): KubeObject[] {
    const bucket = this.byResource.get(info);
    if (!bucket) return [];
    const prefix = namespace && info.namespaced ? `${info.etcdPrefix}${namespace}/` : info.etcdPrefix;
    const keys = [...bucket.keys()].filter((k) => k.startsWith(prefix)).sort();
    return keys.map((k) => bucket.get(k)!);
  }

  /** Number of objects of a resource. */
  count(info: ResourceInfo): number {
    return this.byResource.get(info)?.size ?? 0;
  }

  /**
   * Applies one etcd change and fans it out to the watchers it concerns. Returns the decoded
   * object and its previous state, for the API server's own indexes (RBAC, namespaces).
   */
  apply(change: EtcdChange, sink: WatchSink): { info: ResourceInfo; object: KubeObject; prev?: KubeObject } | undefined {
    const key = change.kv.key;
    const revision = change.kv.modRevision;
    if (revision <= this.revision) return undefined; // already seen (a duplicate or a replay)
    this.revision = revision;
    const info = resourceOfKey(key);
    if (!info) return undefined;
    const prev = this.objects.get(key);
    const bucket = this.bucket(info);
    let object: KubeObject;
    if (change.kind === 'delete') {
      object = decode(change.kv);
      this.objects.delete(key);
      bucket.delete(key);
      if (isPods(info)) this.indexPod(key, prev, undefined);
    } else {
      object = decode(change.kv);
      this.objects.set(key, object);
      bucket.set(key, object);
      if (isPods(info)) this.indexPod(key, prev, object);
    }
    const event: CachedEvent = { revision, info, key, type: change.kind, object, prev };
    this.remember(event);
    this.fanOut(event, sink);
    return { info, object, prev };
  }

  /** Notes that everything up to `revision` has been seen (etcd progress notification). */
  progress(revision: number): void {
    if (revision > this.revision) this.revision = revision;
  }

  /**
   * Adds a watcher. With `initial`, every existing matching object is sent as ADDED first, then
   * a bookmark marking the end of initial events; otherwise events after `fromRevision` are
   * replayed from the window. Returns false (410 Gone) when `fromRevision` is older than the window.
   */
  addWatcher(w: Watcher, initial: boolean, sink: WatchSink): boolean {
    if (!initial && w.fromRevision < this.oldest) return false;
    this.watchers.set(w.id, w);
    let set = this.watchersByResource.get(w.info);
    if (!set) this.watchersByResource.set(w.info, (set = new Set()));
    if (w.nodeName !== undefined && isPods(w.info)) {
      let byNode = this.podWatchersByNode.get(w.nodeName);
      if (!byNode) this.podWatchersByNode.set(w.nodeName, (byNode = new Set()));
      byNode.add(w);
    } else {
      set.add(w);
    }
    if (initial) {
      const objects = this.initialCandidates(w);
      for (const obj of objects) if (this.matches(w, obj)) this.send(w, 'ADDED', obj, sink);
      w.fromRevision = this.revision;
      this.send(
        w,
        'BOOKMARK',
        {
          apiVersion: w.info.apiVersion,
          kind: w.info.kind,
          metadata: { resourceVersion: String(this.revision), annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
        sink,
      );
    } else {
      for (let i = this.firstAfter(w.fromRevision); i < this.window.length; i++) {
        const e = this.window[i]!;
        if (e.info === w.info) this.deliver(w, e, sink);
      }
    }
    return true;
  }

  /**
   * The objects a new watch's initial events come from, in key order: its node's pods, the one
   * object its name pins, or the resource (in its namespace). `matches` filters them further.
   */
  private initialCandidates(w: Watcher): KubeObject[] {
    if (w.nodeName !== undefined && isPods(w.info)) {
      const pods = this.podsByNode.get(w.nodeName);
      return pods ? [...pods.keys()].sort().map((k) => pods.get(k)!) : [];
    }
    if (w.name !== undefined && (!w.info.namespaced || w.namespace)) {
      const obj = this.objects.get(etcdKey(w.info, w.namespace, w.name));
      return obj ? [obj] : [];
    }
    return this.list(w.info, w.namespace);
  }

  /** Index in the window of the first event after `revision` (the window is in revision order). */
  private firstAfter(revision: number): number {
    let lo = this.windowStart;
    let hi = this.window.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.window[mid]!.revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Moves a pod's key in the nodeName index from its previous node to its current one. */
  private indexPod(key: string, prev: KubeObject | undefined, next: KubeObject | undefined): void {
    const before = prev ? nodeNameOf(prev) : undefined;
    const after = next ? nodeNameOf(next) : undefined;
    if (before !== undefined && before !== after) {
      const pods = this.podsByNode.get(before);
      pods?.delete(key);
      if (pods?.size === 0) this.podsByNode.delete(before);
    }
    if (after !== undefined) {
      let pods = this.podsByNode.get(after);
      if (!pods) this.podsByNode.set(after, (pods = new Map()));
      pods.set(key, next!);
    }
  }

  /** Removes a watcher. */
  removeWatcher(id: string): Watcher | undefined {
    const w = this.watchers.get(id);
    if (!w) return undefined;
    this.watchers.delete(id);
    this.watchersByResource.get(w.info)?.delete(w);
    if (w.nodeName !== undefined) this.podWatchersByNode.get(w.nodeName)?.delete(w);
    return w;
  }

  /** Sends a bookmark to every watcher that asked for them. */
  bookmarkAll(sink: WatchSink): void {
    for (const w of this.watchers.values()) {
      if (!w.bookmarks) continue;
      this.send(w, 'BOOKMARK', { apiVersion: w.info.apiVersion, kind: w.info.kind, metadata: { resourceVersion: String(this.revision) } }, sink);
    }
  }

  /** True when an object passes a watcher's namespace, label and field filters. */
  matches(w: Watcher, obj: KubeObject): boolean {
    if (w.namespace && w.info.namespaced && obj.metadata?.namespace !== w.namespace) return false;
    if (w.nodeName !== undefined && nodeNameOf(obj) !== w.nodeName) return false;
    if (w.labels && !w.labels.matches(obj.metadata?.labels)) return false;
    if (w.fields && !w.fields.matches(obj)) return false;
    return true;
  }

  toJSON(): { revision: number; objects: number; watchers: number } {
    return { revision: this.revision, objects: this.objects.size, watchers: this.watchers.size };
  }

  private bucket(info: ResourceInfo): Map<string, KubeObject> {
    let bucket = this.byResource.get(info);
    if (!bucket) this.byResource.set(info, (bucket = new Map()));
    return bucket;
  }

  private remember(event: CachedEvent): void {
    this.window.push(event);
    if (this.window.length - this.windowStart > this.capacity) {
      this.oldest = this.window[this.windowStart]!.revision;
      this.window[this.windowStart] = undefined as unknown as CachedEvent;
      this.windowStart++;
      if (this.windowStart > 8192 && this.windowStart * 2 > this.window.length) {
        this.window.splice(0, this.windowStart);
        this.windowStart = 0;
      }
    }
  }

  private fanOut(event: CachedEvent, sink: WatchSink): void {
    const general = this.watchersByResource.get(event.info);
    if (general) for (const w of general) this.deliver(w, event, sink);
    if (isPods(event.info) && this.podWatchersByNode.size > 0) {
      const before = event.prev ? nodeNameOf(event.prev) : undefined;
      const after = nodeNameOf(event.object);
      if (before !== undefined) {
        const set = this.podWatchersByNode.get(before);
        if (set) for (const w of set) this.deliver(w, event, sink);
      }
      if (after !== undefined && after !== before) {
        const set = this.podWatchersByNode.get(after);
        if (set) for (const w of set) this.deliver(w, event, sink);
      }
    }
  }

  private deliver(w: Watcher, event: CachedEvent, sink: WatchSink): void {
    if (event.revision <= w.fromRevision) return;
    const wasIn = event.prev !== undefined && this.matches(w, event.prev);
    if (event.type === 'delete') {
      if (wasIn) this.send(w, 'DELETED', event.object, sink);
      return;
    }
    const isIn = this.matches(w, event.object);
    if (isIn) this.send(w, wasIn ? 'MODIFIED' : 'ADDED', event.object, sink);
    else if (wasIn) this.send(w, 'DELETED', event.object, sink);
  }

  private send(w: Watcher, type: WatchEventType, object: KubeObject, sink: WatchSink): void {
    sink(w.to, { type: WATCH_EVENTS[type], watchId: w.id, seq: ++w.seq, object });
  }
}
