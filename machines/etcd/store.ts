/**
 * etcd's MVCC key-value store: one global revision, compare-and-swap on a key's modRevision,
 * prefix ranges in key order, an ordered history of changes for watches from a revision, and
 * compaction. The etcd machine drives it; it holds no timers and sends nothing itself.
 */
import type { KubeObject } from '../../src/api/types.js';
import type { EtcdChange, KeyValue } from '../protocol.js';

const hasOwn = Object.hasOwn;

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * `next` sharing with `prev` every subtree the two have equal (the same keys in the same order,
 * the same values): an unchanged subtree is `prev`'s own object, a changed one a shallow copy of
 * `next`'s whose unchanged children are `prev`'s, and an equal string is `prev`'s. So a revision
 * costs only what changed since the one before (a status patch's conditions that did not move, the
 * metadata the API server copied to drop the resourceVersion). The result is equal to `next`, key
 * order included; neither argument is changed. Stored values are treated as immutable, as the API
 * server treats them. Plain objects and arrays only: anything else is kept as it is.
 */
export function shareUnchanged(prev: unknown, next: unknown): unknown {
  if (prev === next) return prev;
  if (typeof next !== 'object' || next === null || typeof prev !== 'object' || prev === null) return next;
  if (Array.isArray(next)) {
    if (!Array.isArray(prev)) return next;
    let same = prev.length === next.length;
    let out: unknown[] | undefined;
    for (let i = 0; i < next.length; i++) {
      const item: unknown = next[i];
      const before: unknown = i < prev.length ? prev[i] : undefined;
      const shared = shareUnchanged(before, item);
      if (shared !== item) (out ??= next.slice())[i] = shared;
      if (shared !== before) same = false;
    }
    return same ? prev : (out ?? next);
  }
  if (Array.isArray(prev) || !isPlainObject(next) || !isPlainObject(prev)) return next;
  const nextKeys = Object.keys(next);
  const prevKeys = Object.keys(prev);
  let same = nextKeys.length === prevKeys.length;
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < nextKeys.length; i++) {
    const k = nextKeys[i]!;
    if (same && prevKeys[i] !== k) same = false;
    const item = (next as Record<string, unknown>)[k];
    const before = hasOwn(prev, k) ? (prev as Record<string, unknown>)[k] : undefined;
    const shared = shareUnchanged(before, item);
    if (shared !== item) {
      out ??= { ...(next as Record<string, unknown>) };
      if (k === '__proto__') Object.defineProperty(out, k, { value: shared, enumerable: true, writable: true, configurable: true });
      else out[k] = shared;
    }
    if (shared !== before) same = false;
  }
  return same ? prev : (out ?? next);
}

function dirOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

/** The store's data and history. */
export class MvccStore {
  /** The current revision: the number of writes ever made (etcd starts at 1). */
  revision = 1;
  /** Changes at or before this revision are forgotten. */
  compactRevision = 0;
  /** Live keys, grouped by their directory (everything up to the last `/`) for fast prefix ranges. */
  private readonly dirs = new Map<string, Map<string, KeyValue>>();
  private size = 0;
  /**
   * Changes since the last compaction, in revision order (a change's revision is its
   * `kv.modRevision`: kept once, without a wrapper per revision).
   */
  private readonly history: EtcdChange[] = [];
  private historyStart = 0;

  /** Number of live keys. */
  get count(): number {
    return this.size;
  }

  get(key: string): KeyValue | undefined {
    return this.dirs.get(dirOf(key))?.get(key);
  }

  /** Creates a key; undefined when it exists already. */
  create(key: string, value: KubeObject): EtcdChange | undefined {
    if (this.get(key)) return undefined;
    const revision = ++this.revision;
    const kv: KeyValue = { key, value, createRevision: revision, modRevision: revision, version: 1 };
    this.put(kv);
    this.size++;
    return this.remember({ kind: 'put', kv });
  }

  /** Replaces a key's value; undefined when the key does not exist. The caller checks any precondition first. */
  update(key: string, value: KubeObject): EtcdChange | undefined {
    const prev = this.get(key);
    if (!prev) return undefined;
    const revision = ++this.revision;
    // etcd keeps bytes per revision; we keep objects, and what did not change is the previous revision's
    value = shareUnchanged(prev.value, value) as KubeObject;
    const kv: KeyValue = { key, value, createRevision: prev.createRevision, modRevision: revision, version: prev.version + 1 };
    this.put(kv);
    return this.remember({ kind: 'put', kv, prev });
  }

  /** Deletes a key; undefined when it does not exist. */
  delete(key: string): EtcdChange | undefined {
    const prev = this.get(key);
    if (!prev) return undefined;
    const revision = ++this.revision;
    const dir = this.dirs.get(dirOf(key))!;
    dir.delete(key);
    if (dir.size === 0) this.dirs.delete(dirOf(key));
    this.size--;
    const kv: KeyValue = { key, value: prev.value, createRevision: prev.createRevision, modRevision: revision, version: 0 };
    return this.remember({ kind: 'delete', kv, prev });
  }

  /** Live keys under a prefix, in key order; `startAfter` and `limit` page through them. */
  range(prefix: string, options: { limit?: number; startAfter?: string } = {}): { kvs: KeyValue[]; more: boolean } {
    const found: KeyValue[] = [];
    const exact = this.dirs.get(prefix);
    if (exact && prefix.endsWith('/')) {
      for (const kv of exact.values()) found.push(kv);
    }
    for (const [dir, keys] of this.dirs) {
      if (dir === prefix && prefix.endsWith('/')) continue;
      if (dir.startsWith(prefix)) for (const kv of keys.values()) found.push(kv);
      else if (prefix.startsWith(dir)) {
        for (const kv of keys.values()) if (kv.key.startsWith(prefix)) found.push(kv);
      }
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    let start = 0;
    if (options.startAfter !== undefined) {
      const after = options.startAfter;
      while (start < found.length && found[start]!.key <= after) start++;
    }
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const page = found.slice(start, start + limit);
    return { kvs: page, more: start + page.length < found.length };
  }

  /** The number of live keys under a prefix (etcd's `count_only` range), without listing them. */
  countPrefix(prefix: string): number {
    let n = 0;
    for (const [dir, keys] of this.dirs) {
      if (dir.startsWith(prefix)) n += keys.size;
      else if (prefix.startsWith(dir)) for (const key of keys.keys()) if (key.startsWith(prefix)) n++;
    }
    return n;
  }

  /** Changes with revision >= `from` under a prefix, in order; undefined when `from` is compacted. */
  changesSince(from: number, prefix: string): { revision: number; change: EtcdChange }[] | undefined {
    if (from <= this.compactRevision) return undefined;
    const out: { revision: number; change: EtcdChange }[] = [];
    // history is sorted by revision: binary search the first entry >= from.
    let lo = this.historyStart;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid]!.kv.modRevision < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.history.length; i++) {
      const change = this.history[i]!;
      if (change.kv.key.startsWith(prefix)) out.push({ revision: change.kv.modRevision, change });
    }
    return out;
  }

  /** Forgets history at or before `revision`. Returns false when the revision is in the future. */
  compact(revision: number): boolean {
    if (revision > this.revision) return false;
    if (revision <= this.compactRevision) return true;
    this.compactRevision = revision;
    while (this.historyStart < this.history.length && this.history[this.historyStart]!.kv.modRevision <= revision) this.historyStart++;
    if (this.historyStart > 4096 && this.historyStart * 2 > this.history.length) {
      this.history.splice(0, this.historyStart);
      this.historyStart = 0;
    }
    return true;
  }

  /** Every live key-value, in key order (for snapshots and invariant checks). */
  all(): KeyValue[] {
    return this.range('/').kvs;
  }

  /** A small summary (what the inspector shows instead of the whole store). */
  toJSON(): { revision: number; compactRevision: number; keys: number } {
    return { revision: this.revision, compactRevision: this.compactRevision, keys: this.size };
  }

  private put(kv: KeyValue): void {
    const dir = dirOf(kv.key);
    let keys = this.dirs.get(dir);
    if (!keys) {
      keys = new Map();
      this.dirs.set(dir, keys);
    }
    keys.set(kv.key, kv);
  }

  private remember(change: EtcdChange): EtcdChange {
    this.history.push(change);
    return change;
  }
}
