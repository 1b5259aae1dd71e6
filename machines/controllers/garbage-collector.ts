/**
 * The garbage collector (`pkg/controller/garbagecollector`): objects name their owners in
 * `metadata.ownerReferences` (by uid); when owners go, their dependents go too, as the owner's
 * deletion asked:
 *
 * - **Background** (the default): the owner is deleted at once; its dependents, now dangling, are
 *   deleted by the collector afterwards (each with the propagation its own finalizers ask for).
 * - **Foreground**: the API server gives the owner a deletionTimestamp and the
 *   `foregroundDeletion` finalizer; the collector deletes its dependents (those that themselves
 *   have dependents in the foreground too), waits until every dependent with
 *   `blockOwnerDeletion: true` is gone, then removes the finalizer and the API server deletes the
 *   owner.
 * - **Orphan**: the owner gets the `orphan` finalizer; the collector removes the owner's
 *   references from every dependent, then the finalizer.
 *
 * The collector watches every resource of the registry except Events (as the real one ignores
 * them). A dependent is only deleted when none of its owners exists: an owner missing from the
 * caches is looked up with a live GET first (the cache may not have caught up), and owners found
 * absent are remembered. A dependent with some owners alive and others gone or deleting in the
 * foreground loses the references to the latter. Deletes carry a uid precondition, so the
 * collector never deletes a newer object of the same name.
 */
import type { KubeObject, OwnerReference } from '../../src/api/types.js';
import { RESOURCES, resourceForKind, type ResourceInfo } from '../../src/api/resources.js';
import { defineController, objectKey, watch, type ControllerMachine, type HandlerContext, type SyncContext, type WatchSpec, type Watches } from './controller.js';
import { clone, deepEqual } from './util.js';

/** The controller's name (address `controller-manager/garbage-collector`). */
const GARBAGE_COLLECTOR = 'garbage-collector';
/** The finalizer of a foreground deletion. */
const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The finalizer of an orphaning deletion. */
const ORPHAN_FINALIZER = 'orphan';
/** Resources the collector ignores (`DefaultIgnoredResources`). */
export const IGNORED_RESOURCES = new Set(['events']);
/** How many owners known to be absent are remembered. */
const ABSENT_CACHE_SIZE = 500;

/** The collector's memory: owners known to be absent (`absentOwnerCache`). */
export interface GcState {
  absent: Map<string, true>;
}

/** The watch name of a resource: `pods`, `replicasets.apps`. */
function watchNameOf(info: Pick<ResourceInfo, 'plural' | 'group'>): string {
  return info.group ? `${info.plural}.${info.group}` : info.plural;
}

const GC_RESOURCES = RESOURCES.filter((r) => !IGNORED_RESOURCES.has(r.plural) && r.verbs.includes('watch') && r.verbs.includes('delete'));
const INFO_BY_WATCH = new Map(GC_RESOURCES.map((r) => [watchNameOf(r), r]));

type Ctx = HandlerContext<Watches, GcState, Record<string, unknown>>;
type SCtx = SyncContext<Watches, GcState, Record<string, unknown>>;

function keyFor(watchName: string, obj: KubeObject): string {
  return `${watchName}|${objectKey(obj)}`;
}

function isDeletingDependents(obj: KubeObject): boolean {
  return !!obj.metadata?.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

/** The cached object with this uid, and its key. */
function findByUid(ctx: Ctx, uid: string): { key: string; obj: KubeObject } | undefined {
  for (const name of INFO_BY_WATCH.keys()) {
    const found = ctx.byIndex(name, 'byUid', uid);
    if (found.length > 0) return { key: keyFor(name, found[0]!), obj: found[0]! };
  }
  return undefined;
}

/** The cached dependents of an owner uid, with their keys, in watch then key order. */
function dependentsOf(ctx: Ctx, uid: string): { key: string; obj: KubeObject; ref: OwnerReference }[] {
  const out: { key: string; obj: KubeObject; ref: OwnerReference }[] = [];
  for (const name of INFO_BY_WATCH.keys()) {
    for (const obj of ctx.byIndex(name, 'byOwner', uid)) {
      const ref = obj.metadata!.ownerReferences!.find((r: OwnerReference) => r.uid === uid)!;
      out.push({ key: keyFor(name, obj), obj, ref });
    }
  }
  return out;
}

function enqueueFor(watchName: string): WatchSpec<KubeObject, GcState>['enqueue'] {
  return ({ type, object: obj, old }, ctx) => {
    const keys: string[] = [];
    const uid = obj.metadata?.uid;
    if (type === 'deleted') {
      // its dependents are dangling now
      if (uid) for (const d of dependentsOf(ctx, uid)) keys.push(d.key);
      // an owner waiting for its dependents may be done
      for (const ref of obj.metadata?.ownerReferences ?? []) {
        const owner = findByUid(ctx, ref.uid);
        if (owner && isDeletingDependents(owner.obj)) keys.push(owner.key);
      }
      return keys;
    }
    const fin = obj.metadata?.finalizers ?? [];
    if (obj.metadata?.deletionTimestamp && (fin.includes(ORPHAN_FINALIZER) || fin.includes(FOREGROUND_FINALIZER))) keys.push(keyFor(watchName, obj));
    const refs = obj.metadata?.ownerReferences;
    if (refs && refs.length > 0) {
      const changed = type === 'added' || type === 'resync' || !deepEqual(old?.metadata?.ownerReferences, refs);
      if (changed) keys.push(keyFor(watchName, obj));
    }
    return keys;
  };
}

function watches(): Watches {
  const out: Watches = {};
  for (const info of GC_RESOURCES) {
    const name = watchNameOf(info);
    out[name] = watch<KubeObject, GcState>({
      resource: info.plural,
      group: info.group || undefined,
      indexes: {
        byUid: (o) => o.metadata?.uid,
        byOwner: (o) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
      },
      enqueue: enqueueFor(name),
    });
  }
  return out;
}

function refOf(info: ResourceInfo): { resource: string; group?: string } {
  return { resource: info.plural, group: info.group || undefined };
}

function rememberAbsent(state: GcState, uid: string): void {
  state.absent.set(uid, true);
  if (state.absent.size > ABSENT_CACHE_SIZE) state.absent.delete(state.absent.keys().next().value!);
}

/** Removes a finalizer from an object (a compare-and-swap update). */
function removeFinalizer(ctx: SCtx, info: ResourceInfo, obj: KubeObject, finalizer: string): void {
  const copy = clone(obj);
  const rest = (copy.metadata!.finalizers ?? []).filter((f) => f !== finalizer);
  if (rest.length > 0) copy.metadata!.finalizers = rest;
  else delete copy.metadata!.finalizers;
  ctx.client.update(refOf(info), copy, { ignore: [404] });
}

/** `orphanDependents`: drop the owner's references from every dependent, then the `orphan` finalizer. */
function orphan(ctx: SCtx, info: ResourceInfo, owner: KubeObject): void {
  const uid = owner.metadata!.uid!;
  for (const dep of dependentsOf(ctx, uid)) {
    const depInfo = INFO_BY_WATCH.get(dep.key.slice(0, dep.key.indexOf('|')))!;
    const copy = clone(dep.obj);
    const refs = copy.metadata!.ownerReferences!.filter((r) => r.uid !== uid);
    if (refs.length > 0) copy.metadata!.ownerReferences = refs;
    else delete copy.metadata!.ownerReferences;
    ctx.client.update(refOf(depInfo), copy, { ignore: [404] });
  }
  ctx.afterRequests(() => {
    if (!ctx.failed) removeFinalizer(ctx, info, owner, ORPHAN_FINALIZER);
  });
}

/** `processDeletingDependentsItem`: delete blocking dependents, or remove `foregroundDeletion` once none is left. */
function deletingDependents(ctx: SCtx, info: ResourceInfo, owner: KubeObject): void {
  const blocking = dependentsOf(ctx, owner.metadata!.uid!).filter((d) => d.ref.blockOwnerDeletion === true);
  if (blocking.length === 0) {
    removeFinalizer(ctx, info, owner, FOREGROUND_FINALIZER);
    return;
  }
  for (const d of blocking) if (!isDeletingDependents(d.obj)) ctx.enqueue(d.key);
}

type Verdict = 'solid' | 'dangling' | 'waiting';

/** `attemptToDeleteItem`: classify the owners, then keep, update or delete the dependent. */
function attemptToDelete(ctx: SCtx, info: ResourceInfo, obj: KubeObject): void {
  const refs = obj.metadata?.ownerReferences ?? [];
  if (refs.length === 0) return;
  const verdicts = new Map<OwnerReference, Verdict>();
  const namespace = obj.metadata?.namespace;
  for (const ref of refs) {
    const ownerInfo = resourceForKind(ref.apiVersion, ref.kind);
    if (!ownerInfo || !INFO_BY_WATCH.has(watchNameOf(ownerInfo))) {
      verdicts.set(ref, 'solid'); // an owner of an unknown kind: never collect on a guess
      continue;
    }
    if (ownerInfo.namespaced && !namespace) {
      verdicts.set(ref, 'dangling'); // a cluster-scoped dependent cannot have a namespaced owner
      continue;
    }
    const ownerKey = ownerInfo.namespaced ? `${namespace}/${ref.name}` : ref.name;
    const cached = ctx.get(watchNameOf(ownerInfo), ownerKey);
    if (cached && cached.metadata?.uid === ref.uid) {
      verdicts.set(ref, isDeletingDependents(cached) ? 'waiting' : 'solid');
      continue;
    }
    if (ctx.state.absent.has(ref.uid)) {
      verdicts.set(ref, 'dangling');
      continue;
    }
    // the cache may lag: ask the API server
    ctx.client.get(refOf(ownerInfo), ownerInfo.namespaced ? namespace : undefined, ref.name, {
      ignore: [404],
      onResponse: (res) => {
        if (res.code === 404) {
          rememberAbsent(ctx.state, ref.uid);
          verdicts.set(ref, 'dangling');
        } else if (res.code >= 200 && res.code < 300) {
          const live = res.body as KubeObject;
          if (live.metadata?.uid !== ref.uid) {
            rememberAbsent(ctx.state, ref.uid);
            verdicts.set(ref, 'dangling');
          } else verdicts.set(ref, isDeletingDependents(live) ? 'waiting' : 'solid');
        }
      },
    });
  }
  ctx.afterRequests(() => {
    if (ctx.failed || verdicts.size < refs.length) return;
    const solid = refs.filter((r) => verdicts.get(r) === 'solid');
    const gone = refs.filter((r) => verdicts.get(r) !== 'solid');
    const waiting = refs.filter((r) => verdicts.get(r) === 'waiting');
    if (solid.length > 0) {
      if (gone.length === 0) return;
      // keep the object, drop the references to owners that are gone or going
      const copy = clone(obj);
      const drop = new Set(gone.map((r) => r.uid));
      copy.metadata!.ownerReferences = copy.metadata!.ownerReferences!.filter((r) => !drop.has(r.uid));
      ctx.client.update(refOf(info), copy, { ignore: [404] });
      return;
    }
    const hasDependents = dependentsOf(ctx, obj.metadata!.uid!).length > 0;
    let policy: 'Background' | 'Foreground' | 'Orphan';
    if (waiting.length > 0 && hasDependents) policy = 'Foreground';
    else {
      const fin = obj.metadata?.finalizers ?? [];
      policy = fin.includes(ORPHAN_FINALIZER) ? 'Orphan' : fin.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
    }
    ctx.client.delete(refOf(info), namespace, obj.metadata!.name!, { uid: obj.metadata!.uid, propagationPolicy: policy, ignore: [404, 409] });
    return undefined;
  });
}

function syncItem(key: string, ctx: SCtx): void {
  const bar = key.indexOf('|');
  const watchName = key.slice(0, bar);
  const info = INFO_BY_WATCH.get(watchName);
  if (!info) return;
  const obj = ctx.get(watchName, key.slice(bar + 1));
  if (!obj) return;
  const fin = obj.metadata?.finalizers ?? [];
  if (obj.metadata?.deletionTimestamp) {
    if (fin.includes(ORPHAN_FINALIZER)) return orphan(ctx, info, obj);
    if (fin.includes(FOREGROUND_FINALIZER)) {
      deletingDependents(ctx, info, obj);
      // it may itself be a dependent of an owner that is gone
      return;
    }
    return; // being deleted already
  }
  attemptToDelete(ctx, info, obj);
}

/** The garbage collector's machine. */
export const garbageCollector: ControllerMachine = defineController({
  name: GARBAGE_COLLECTOR,
  component: 'garbage-collector-controller',
  state: (): GcState => ({ absent: new Map() }),
  watches: watches(),
  sync: (key, ctx) => syncItem(key, ctx as unknown as SCtx),
});
