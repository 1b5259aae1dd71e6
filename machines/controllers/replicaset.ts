/**
 * The ReplicaSet controller (`pkg/controller/replicaset`): keeps the number of active pods a
 * ReplicaSet controls equal to `spec.replicas`.
 *
 * - Pods are created from `spec.template` with `generateName: <rs>-`, the template's labels and
 *   annotations, and a controller reference (`controller: true`, `blockOwnerDeletion: true`), in
 *   slow-start batches (1, 2, 4, ...; a failed batch stops the rest), at most 500 per sync.
 * - Extra pods are deleted preferring, in order: unscheduled, Pending < Unknown < Running, not
 *   ready, lower `controller.kubernetes.io/pod-deletion-cost`, doubled up on a node with more
 *   sibling pods, ready for less time, more restarts, newer (times compared on a log2 scale, ties
 *   by uid), as `ActivePodsWithRanks` does.
 * - Pods that are deleted, being deleted (deletionTimestamp), Succeeded or Failed are not active:
 *   they are replaced.
 * - Expectations: after issuing creates or deletes, the controller does not manage the
 *   ReplicaSet again until its informer has seen them (or 5 minutes pass), so it never
 *   double-creates while its own creates are in flight.
 * - Orphan pods matching the selector are adopted; owned pods that no longer match are released.
 * - Status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas (ready for
 *   minReadySeconds), observedGeneration, and a ReplicaFailure condition (FailedCreate /
 *   FailedDelete) while creating or deleting fails.
 */
import type { KubeObject, Pod, ReplicaSet } from '../../src/api/types.js';
import { selectorFromSet, type LabelSelectorMatcher } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { adoptPatch, clone, controllerRefOf, deepEqual, isPodActive, isPodAvailable, isPodReady, newControllerRef, podCondition, releasePatch, type Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/replicaset`). */
const REPLICASET_CONTROLLER = 'replicaset';

/** Most pods created or deleted in one sync (`BurstReplicas`). */
const BURST_REPLICAS = 500;
/** Expectations older than this are considered satisfied (`ExpectationsTimeout`: 5 min). */
const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;
/** The annotation that ranks pods for deletion (lower first). */
const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** What the controller still expects to see for one ReplicaSet (`ControllerExpectations`). */
export interface Expectation {
  /** Creates not yet observed. */
  add: number;
  /** Pods (`namespace/name`) whose deletion is not yet observed. */
  del: Set<string>;
  /** When the expectations were set (virtual ms). */
  at: number;
}

/** `UIDTrackingControllerExpectations`: creates and deletes a controller waits to observe, per owner key. */
export class Expectations {
  private readonly map = new Map<string, Expectation>();

  constructor(private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS) {}

  /** Expect `n` creates for `key`. */
  expectCreations(key: string, n: number, now: number): void {
    this.map.set(key, { add: n, del: new Set(), at: now });
  }

  /** Expect the deletion of these pods for `key`. */
  expectDeletions(key: string, pods: readonly string[], now: number): void {
    this.map.set(key, { add: 0, del: new Set(pods), at: now });
  }

  /** A create for `key` was observed (or will never be). */
  creationObserved(key: string): void {
    const e = this.map.get(key);
    if (e && e.add > 0) e.add--;
  }

  /** The deletion of `pod` was observed (or will never be). */
  deletionObserved(key: string, pod: string): void {
    this.map.get(key)?.del.delete(pod);
  }

  /** True when nothing is expected any more (or the expectations expired, or there are none). */
  satisfied(key: string, now: number): boolean {
    const e = this.map.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del.size === 0) return true;
    return now - e.at > this.timeoutMs;
  }

  /** Forgets the expectations of `key` (its owner was deleted). */
  delete(key: string): void {
    this.map.delete(key);
  }

  /** The expectations of `key`, if any. */
  get(key: string): Expectation | undefined {
    return this.map.get(key);
  }

  toJSON(): { owners: number } {
    return { owners: this.map.size };
  }
}

/**
 * The kind a replica controller manages: ReplicaSets, or ReplicationControllers (the real
 * ReplicationManager is the ReplicaSet controller over RCs through an adapter; so is this).
 */
export interface ReplicaKind {
  /** Plural (`replicasets`). */
  resource: string;
  /** API group (`apps`, or '' for ReplicationControllers). */
  group: string;
  /** Kind (`ReplicaSet`). */
  kind: string;
  /** apiVersion of the owner references (`apps/v1`). */
  apiVersion: string;
  /** The selector as a LabelSelector (RCs have a plain map). */
  selector(obj: ReplicaSet): unknown;
}

/** ReplicaSets (apps/v1). */
const REPLICASET_KIND: ReplicaKind = { resource: 'replicasets', group: 'apps', kind: 'ReplicaSet', apiVersion: 'apps/v1', selector: (rs) => rs.spec?.selector };

/** The ReplicaSet controller's memory. */
export interface ReplicaSetState {
  expectations: Expectations;
  /** What it manages. */
  kind: ReplicaKind;
}


const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readyTime(pod: Pod): string {
  return isPodReady(pod) ? podCondition(pod, 'Ready')?.lastTransitionTime ?? '' : '';
}

function maxRestarts(pod: Pod): number {
  let max = 0;
  for (const c of pod.status?.containerStatuses ?? []) max = Math.max(max, c.restartCount ?? 0);
  return max;
}

function deletionCost(pod: Pod): number {
  const v = Number(pod.metadata?.annotations?.[POD_DELETION_COST]);
  return Number.isInteger(v) ? v : 0;
}

/**
 * `ActivePodsWithRanks.Less` as a comparator: negative when `a` should be deleted before `b`.
 * `rank` counts related active pods on the pod's node; `timeOf` parses timestamps; times are
 * compared on a log2 scale of their age (LogarithmicScaleDown), ties broken by uid.
 */
export function comparePodsForDeletion(
  a: Pod,
  b: Pod,
  rankA: number,
  rankB: number,
  now: number,
  timeOf: (ts: string) => number,
): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ca = deletionCost(a);
  const cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  if (rankA !== rankB) return rankB - rankA;
  const logCompare = (ta: string, tb: string): number => {
    // newer (or missing) first
    if (ta === tb) return 0;
    if (!ta || !tb) return ta ? 1 : -1;
    const logRank = (t: string): number => {
      const d = (now - timeOf(t)) * 1e6; // nanoseconds, as Go's time.Duration
      return d > 0 ? Math.floor(Math.log2(d)) : -1;
    };
    const diff = logRank(ta) - logRank(tb);
    if (diff === 0) {
      const ua = a.metadata?.uid ?? '';
      const ub = b.metadata?.uid ?? '';
      return ua < ub ? -1 : ua > ub ? 1 : 0;
    }
    return diff;
  };
  if (ra && rb) {
    const c = logCompare(readyTime(a), readyTime(b));
    if (c !== 0) return c;
  }
  const ma = maxRestarts(a);
  const mb = maxRestarts(b);
  if (ma !== mb) return mb - ma;
  return logCompare(a.metadata?.creationTimestamp ?? '', b.metadata?.creationTimestamp ?? '');
}

/**
 * `getPodsToDelete`: the `diff` pods to delete, ranked by {@link comparePodsForDeletion};
 * `related` are the active pods of the ReplicaSet and its siblings (same owner), for the
 * "doubled up on a node" rank.
 */
export function getPodsToDelete(pods: readonly Pod[], related: readonly Pod[], diff: number, now: number, timeOf: (ts: string) => number): Pod[] {
  if (diff >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const p of related) if (isPodActive(p)) onNode.set(p.spec?.nodeName ?? '', (onNode.get(p.spec?.nodeName ?? '') ?? 0) + 1);
  const ranked = pods.map((p) => ({ p, rank: onNode.get(p.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((x, y) => comparePodsForDeletion(x.p, y.p, x.rank, y.rank, now, timeOf));
  return ranked.slice(0, diff).map((x) => x.p);
}

/** The status fields the controller computes (zero counts are omitted, as the API's omitempty). */
export interface ReplicaSetCounts {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** Counts a ReplicaSet's active pods as its status reports them. */
function countReplicaSetPods(rs: ReplicaSet, pods: readonly Pod[], now: number, timeOf: (ts: string) => number): ReplicaSetCounts {
  const templateLabels = selectorFromSet(rs.spec?.template?.metadata?.labels ?? {});
  const minReady = rs.spec?.minReadySeconds ?? 0;
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (templateLabels.matches(pod.metadata?.labels)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now, timeOf)) available++;
    }
  }
  return { replicas: pods.length, fullyLabeledReplicas: fully, readyReplicas: ready, availableReplicas: available };
}

function statusFrom(rs: ReplicaSet, counts: ReplicaSetCounts, manageError: string | undefined, diff: number, now: string): Obj {
  const old = (rs.status ?? {}) as Obj;
  const status: Obj = { replicas: counts.replicas };
  if (counts.fullyLabeledReplicas) status.fullyLabeledReplicas = counts.fullyLabeledReplicas;
  if (counts.readyReplicas) status.readyReplicas = counts.readyReplicas;
  if (counts.availableReplicas) status.availableReplicas = counts.availableReplicas;
  if (rs.metadata?.generation !== undefined) status.observedGeneration = rs.metadata.generation;
  else if (old.observedGeneration !== undefined) status.observedGeneration = old.observedGeneration;
  let conditions = ((old.conditions as Obj[] | undefined) ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: now, reason: diff < 0 ? 'FailedCreate' : 'FailedDelete', message: manageError });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  if (conditions.length > 0) status.conditions = conditions;
  return status;
}

/** The pod a ReplicaSet creates from its template (`GetPodFromTemplate`). */
function podFromTemplate(rs: ReplicaSet, kind: ReplicaKind = REPLICASET_KIND): Pod {
  const t = rs.spec?.template ?? {};
  const meta: Obj = {
    generateName: `${rs.metadata!.name}-`,
    namespace: rs.metadata!.namespace,
    labels: { ...(t.metadata?.labels ?? {}) },
    ownerReferences: [newControllerRef(rs, kind.apiVersion, kind.kind)],
  };
  if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
  if (t.metadata?.finalizers) meta.finalizers = [...t.metadata.finalizers];
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: clone(t.spec) } as Pod;
}

type RsWatches = {
  replicasets: ReturnType<typeof watch<ReplicaSet, ReplicaSetState>>;
  pods: ReturnType<typeof watch<Pod, ReplicaSetState>>;
};
type RsCtx = SyncContext<RsWatches & Watches, ReplicaSetState, Record<string, unknown>>;
type Reader = { get(w: 'replicasets', key: string): ReplicaSet | undefined; byIndex(w: 'replicasets', index: string, value: string): ReplicaSet[]; state: ReplicaSetState };

/** `resolveControllerRef`: the ReplicaSet a controller reference names, if it is that one (same uid). */
function resolveRs(ctx: Reader, namespace: string | undefined, pod: Pod): ReplicaSet | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== ctx.state.kind.kind) return undefined;
  const rs = ctx.get('replicasets', `${namespace}/${ref.name}`);
  return rs && rs.metadata?.uid === ref.uid ? rs : undefined;
}

function selectorOf(rs: ReplicaSet, kind: ReplicaKind): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(kind.selector(rs) as never);
  } catch {
    return undefined;
  }
}

/** `getPodReplicaSets`: ReplicaSets whose selector matches an orphan pod. */
function matchingReplicaSets(ctx: Reader, pod: Pod): string[] {
  const ns = pod.metadata?.namespace ?? '';
  const keys: string[] = [];
  for (const rs of ctx.byIndex('replicasets', 'byNamespace', ns)) {
    const sel = selectorOf(rs, ctx.state.kind);
    if (sel && !sel.isEverything && sel.matches(pod.metadata?.labels)) keys.push(objectKey(rs));
  }
  return keys;
}

function onPodDeleted(ctx: Reader, pod: Pod): string | undefined {
  const rs = resolveRs(ctx, pod.metadata?.namespace, pod);
  if (!rs) return undefined;
  const key = objectKey(rs);
  ctx.state.expectations.deletionObserved(key, objectKey(pod));
  return key;
}

function syncReplicaSet(key: string, ctx: RsCtx): void {
  const rs = ctx.get('replicasets', key);
  const exp = ctx.state.expectations;
  const now = ctx.now();
  if (!rs) {
    exp.delete(key);
    return;
  }
  const { namespace } = splitKey(key);
  const needsSync = exp.satisfied(key, now);
  const selector = selectorOf(rs, ctx.state.kind);
  if (!selector) return; // an invalid selector matches nothing: validation keeps these out
  const uid = rs.metadata!.uid!;
  const deleting = !!rs.metadata?.deletionTimestamp;

  // claimPods: owned pods that still match, adopt matching orphans, release non-matching ones
  const owned = ctx.byIndex('pods', 'byController', uid).filter(isPodActive);
  // claims are strategic merge patches, as the ControllerRefManager's AdoptPod and ReleasePod
  // (the controllers' roles allow pods patch, not update); a release of a pod that is gone or no
  // longer ours (404, 422) is no error
  const claims: { pod: Pod; patch: object; ignore: number[] }[] = [];
  const filtered: Pod[] = [];
  for (const pod of owned) {
    if (selector.matches(pod.metadata?.labels)) filtered.push(pod);
    else if (!deleting) claims.push({ pod, patch: releasePatch(uid, pod.metadata?.uid), ignore: [404, 409, 422] });
  }
  if (!deleting && !selector.isEverything) {
    for (const pod of ctx.byIndex('pods', 'orphans', namespace ?? '')) {
      if (isPodActive(pod) && selector.matches(pod.metadata?.labels)) {
        claims.push({ pod, patch: adoptPatch(newControllerRef(rs, ctx.state.kind.apiVersion, ctx.state.kind.kind), pod.metadata?.uid), ignore: [404, 409] });
      }
    }
  }
  if (claims.length > 0) {
    // the pods' update events bring the ReplicaSet back with the claims done
    for (const { pod, patch, ignore } of claims) ctx.client.patch('pods', pod.metadata!.namespace, pod.metadata!.name!, patch, { patchType: 'strategic', ignore });
    return;
  }

  const desired = rs.spec?.replicas ?? 1;
  const diff = filtered.length - desired;
  const finish = (manageError: string | undefined) => updateStatus(ctx, rs, filtered, manageError, diff);
  if (needsSync && !deleting && diff !== 0) manageReplicas(ctx, rs, filtered, diff, finish);
  else finish(undefined);
}

function manageReplicas(ctx: RsCtx, rs: ReplicaSet, filtered: Pod[], diff: number, finish: (err: string | undefined) => void): void {
  const key = objectKey(rs);
  const exp = ctx.state.expectations;
  const now = ctx.now();
  if (diff < 0) {
    const total = Math.min(-diff, BURST_REPLICAS);
    exp.expectCreations(key, total, now);
    let created = 0;
    let firstError: string | undefined;
    const batch = (size: number): void => {
      const n = Math.min(size, total - created);
      let failed = false;
      for (let i = 0; i < n; i++) {
        ctx.client.create('pods', rs.metadata!.namespace, podFromTemplate(rs, ctx.state.kind), {
          ignore: true,
          onResponse: (res) => {
            if (res.code >= 200 && res.code < 300) {
              ctx.recordEvent(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${(res.body as KubeObject).metadata?.name}`);
              return;
            }
            exp.creationObserved(key);
            const message = (res.body as { message?: string }).message ?? `code ${res.code}`;
            const terminating = res.code === 403 && message.includes('because it is being terminated');
            if (terminating) return; // every create in a terminating namespace fails: nothing to do
            failed = true;
            firstError ??= message;
            ctx.recordEvent(rs, 'Warning', 'FailedCreate', `Error creating: ${message}`);
            ctx.fail(`creating a pod for ${key}: ${message}`);
          },
        });
      }
      created += n;
      ctx.afterRequests(() => {
        if (failed) {
          // the pods never attempted will not be observed
          for (let i = created; i < total; i++) exp.creationObserved(key);
          finish(firstError);
        } else if (created < total) batch(2 * n);
        else finish(undefined);
      });
    };
    batch(1);
    return;
  }
  const n = Math.min(diff, BURST_REPLICAS);
  const related = relatedPods(ctx, rs);
  const victims = getPodsToDelete(filtered, related, n, now, (ts) => ctx.timeOf(ts));
  exp.expectDeletions(key, victims.map(objectKey), now);
  let firstError: string | undefined;
  for (const pod of victims) {
    ctx.client.delete('pods', pod.metadata!.namespace, pod.metadata!.name!, {
      ignore: true,
      onResponse: (res) => {
        if (res.code >= 200 && res.code < 300) {
          ctx.recordEvent(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
          return;
        }
        exp.deletionObserved(key, objectKey(pod));
        if (res.code === 404) return;
        const message = (res.body as { message?: string }).message ?? `code ${res.code}`;
        firstError ??= message;
        ctx.recordEvent(rs, 'Warning', 'FailedDelete', `Error deleting: ${message}`);
        ctx.fail(`deleting pod ${objectKey(pod)}: ${message}`);
      },
    });
  }
  ctx.afterRequests(() => finish(firstError));
}

/** `getIndirectlyRelatedPods`: active pods of every ReplicaSet with the same controller as `rs` (or just its own). */
function relatedPods(ctx: RsCtx, rs: ReplicaSet): Pod[] {
  const owner = controllerRefOf(rs);
  const siblings = owner
    ? ctx.byIndex('replicasets', 'byNamespace', rs.metadata!.namespace!).filter((r) => controllerRefOf(r)?.uid === owner.uid)
    : [rs];
  const out: Pod[] = [];
  for (const r of siblings) out.push(...ctx.byIndex('pods', 'byController', r.metadata!.uid!).filter(isPodActive));
  return out;
}

function updateStatus(ctx: RsCtx, rs: ReplicaSet, pods: Pod[], manageError: string | undefined, diff: number): void {
  const now = ctx.now();
  const timeOf = (ts: string) => ctx.timeOf(ts);
  const counts = countReplicaSetPods(rs, pods, now, timeOf);
  const status = statusFrom(rs, counts, manageError, diff, ctx.timestamp());
  if (!deepEqual(status, rs.status ?? {})) {
    ctx.client.updateStatus({ resource: ctx.state.kind.resource, group: ctx.state.kind.group }, { ...rs, status } as KubeObject, { ignore: [404] });
  }
  // look again when a ready pod becomes available (minReadySeconds)
  const minReady = rs.spec?.minReadySeconds ?? 0;
  if (minReady > 0 && !manageError) {
    let soonest = Infinity;
    for (const pod of pods) {
      if (!isPodReady(pod) || isPodAvailable(pod, minReady, now, timeOf)) continue;
      const since = timeOf(podCondition(pod, 'Ready')?.lastTransitionTime ?? '');
      if (Number.isFinite(since)) soonest = Math.min(soonest, since + minReady * 1000 - now);
    }
    if (Number.isFinite(soonest)) ctx.requeueAfter(Math.max(0, soonest) + 1000);
  }
}

/**
 * A replica controller's machine for a kind: the ReplicaSet controller, and (with
 * `ReplicationController`) the replication controller, whose real code is this one over RCs.
 */
export function replicaController(name: string, component: string, kind: ReplicaKind): ControllerMachine {
    return defineController({
    name,
    component,
    state: (): ReplicaSetState => ({ expectations: new Expectations(), kind }),
    watches: {
      replicasets: watch<ReplicaSet, ReplicaSetState>({
        resource: kind.resource,
        group: kind.group,
        indexes: { byNamespace: (rs) => rs.metadata?.namespace },
        enqueue: ({ type, object }, ctx) => {
          const key = objectKey(object);
          if (type === 'deleted') ctx.state.expectations.delete(key);
          return key;
        },
      }),
      pods: watch<Pod, ReplicaSetState>({
        resource: 'pods',
        indexes: {
          byController: (pod) => (controllerRefOf(pod)?.kind === kind.kind ? controllerRefOf(pod)!.uid : undefined),
          orphans: (pod) => (controllerRefOf(pod) ? undefined : pod.metadata?.namespace),
        },
        enqueue: ({ type, object: pod, old }, ctx) => {
          const reader = ctx as unknown as Reader & { state: ReplicaSetState };
          if (type === 'deleted') return onPodDeleted(reader, pod);
          if (type === 'added') {
            if (pod.metadata?.deletionTimestamp) return onPodDeleted(reader, pod);
            if (controllerRefOf(pod)) {
              const rs = resolveRs(reader, pod.metadata?.namespace, pod);
              if (!rs) return undefined;
              const key = objectKey(rs);
              ctx.state.expectations.creationObserved(key);
              return key;
            }
            return matchingReplicaSets(reader, pod);
          }
          // modified or resync
          if (!old || old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return undefined;
          const keys: string[] = [];
          const labelChanged = !deepEqual(old.metadata?.labels, pod.metadata?.labels);
          if (pod.metadata?.deletionTimestamp) {
            const k = onPodDeleted(reader, pod);
            if (k) keys.push(k);
            if (labelChanged) {
              const k2 = onPodDeleted(reader, old);
              if (k2) keys.push(k2);
            }
            return keys;
          }
          const curRef = controllerRefOf(pod);
          const oldRef = controllerRefOf(old);
          const refChanged = !deepEqual(curRef, oldRef);
          if (refChanged && oldRef) {
            const rs = resolveRs(reader, old.metadata?.namespace, old);
            if (rs) keys.push(objectKey(rs));
          }
          if (curRef) {
            const rs = resolveRs(reader, pod.metadata?.namespace, pod);
            if (rs) keys.push(objectKey(rs));
            return keys;
          }
          if (labelChanged || refChanged) keys.push(...matchingReplicaSets(reader, pod));
          return keys;
        },
      }),
    },
    sync: (key, ctx) => syncReplicaSet(key, ctx as unknown as RsCtx),
  });
}

/** The ReplicaSet controller's machine. */
export const replicaSetController: ControllerMachine = replicaController(REPLICASET_CONTROLLER, 'replicaset-controller', REPLICASET_KIND);
