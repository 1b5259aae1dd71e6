/**
 * VolumeRestrictions (kube-scheduler `plugins/volumerestrictions`):
 * - ReadWriteOncePod: a pod using a claim with the `ReadWriteOncePod` access mode cannot be
 *   scheduled while any other pod in the cluster uses that claim (PreFilter counts the pods using
 *   each such claim across every node, `IsPVCUsedByPods`; Filter answers Unschedulable
 *   `node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode`
 *   so preemption may evict the user). AddPod / RemovePod keep the count for preemption's dry run.
 * - Disk conflicts: two pods on a node may not both mount one GCE PD read-write (any mount when
 *   either is read-write), the same AWS EBS volume, the same iSCSI IQN or the same RBD image
 *   unless both read-only (`node(s) had no available disk`, Unschedulable).
 * A missing claim is UnschedulableAndUnresolvable (`persistentvolumeclaim "x" not found`). Pods
 * without such volumes are skipped in PreFilter.
 *
 * Events (`EventsToRegister` as v1.32 runs it, with queueing hints on): a Pod deleted
 * (`isSchedulableAfterPodDeleted`: in the pod's namespace, and it had a conflicting disk or one of
 * the pod's claims), a Node added (no hint), a PersistentVolumeClaim added
 * (`isSchedulableAfterPersistentVolumeClaimAdded`: one the pod uses, in its namespace). Pod
 * volumes are immutable, so pod updates are not registered.
 */
import type { KubeObject, Pod } from '../../../src/api/types.js';
import { ActionType, type ClusterEventWithHint, type QueueingHint } from '../events.js';
import { SKIP, SUCCESS, unresolvable, unschedulable, type CycleState, type FilterPlugin, type PreFilterResult, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';

/** The plugin's name. */
const VOLUME_RESTRICTIONS = 'VolumeRestrictions';

/** `ErrReasonDiskConflict`. */
export const ERR_REASON_DISK_CONFLICT = 'node(s) had no available disk';
/** `ErrReasonReadWriteOncePodConflict`. */
export const ERR_REASON_RWOP_CONFLICT = 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode';

type Volume = NonNullable<NonNullable<Pod['spec']>['volumes']>[number];

/** The plugin's pre-filter state: the pod's ReadWriteOncePod claims and how many pods use them. */
interface PreFilterState {
  readonly readWriteOncePodPVCs: ReadonlySet<string>;
  conflictingPVCRefCount: number;
  readonly needsDiskCheck: boolean;
  clone(): PreFilterState;
}

function makeState(pvcs: ReadonlySet<string>, count: number, needsDiskCheck: boolean): PreFilterState {
  return {
    readWriteOncePodPVCs: pvcs,
    conflictingPVCRefCount: count,
    needsDiskCheck,
    clone() {
      return makeState(this.readWriteOncePodPVCs, this.conflictingPVCRefCount, this.needsDiskCheck);
    },
  };
}

/** `needsRestrictionsCheck`: a volume source that can conflict on a node. */
function needsRestrictionsCheck(v: Volume): boolean {
  return !!(v.gcePersistentDisk || v.awsElasticBlockStore || v.rbd || v.iscsi);
}

function haveOverlap(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return b.some((x) => set.has(x));
}

/** `isVolumeConflict`: whether `v` conflicts with a volume of `existing`. */
function isVolumeConflict(v: Volume, existing: Pod): boolean {
  if (!needsRestrictionsCheck(v)) return false;
  for (const ev of existing.spec?.volumes ?? []) {
    if (v.gcePersistentDisk && ev.gcePersistentDisk) {
      const d = v.gcePersistentDisk;
      const e = ev.gcePersistentDisk;
      if (d.pdName === e.pdName && !(d.readOnly && e.readOnly)) return true;
    }
    if (v.awsElasticBlockStore && ev.awsElasticBlockStore && v.awsElasticBlockStore.volumeID === ev.awsElasticBlockStore.volumeID) return true;
    if (v.iscsi && ev.iscsi && v.iscsi.iqn === ev.iscsi.iqn && !(v.iscsi.readOnly && ev.iscsi.readOnly)) return true;
    if (v.rbd && ev.rbd) {
      const r = v.rbd;
      const e = ev.rbd;
      if (haveOverlap(r.monitors ?? [], e.monitors ?? []) && (r.pool ?? 'rbd') === (e.pool ?? 'rbd') && r.image === e.image && !(r.readOnly && e.readOnly)) return true;
    }
  }
  return false;
}

/** Pods in the snapshot using a claim (`StorageInfos().IsPVCUsedByPods`). */
function isPVCUsedByPods(state: CycleState, key: string): boolean {
  const nodes = state.snapshot.nodes;
  for (let i = 0; i < nodes.length; i++) if (nodes[i]!.pvcRefCounts?.has(key)) return true;
  return false;
}

function claimKeysOf(pod: Pod, state: PreFilterState): string[] {
  const ns = pod.metadata?.namespace ?? 'default';
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (!v.persistentVolumeClaim) continue;
    const key = `${ns}/${v.persistentVolumeClaim.claimName}`;
    if (state.readWriteOncePodPVCs.has(key)) out.push(key);
  }
  return out;
}

/** `satisfyVolumeConflicts`: no volume of `pod` conflicts with one of the `existing` pods. */
function satisfyVolumeConflicts(pod: Pod, existing: readonly Pod[]): boolean {
  for (const v of pod.spec?.volumes ?? []) {
    if (!needsRestrictionsCheck(v)) continue;
    for (const e of existing) if (isVolumeConflict(v, e)) return false;
  }
  return true;
}

/**
 * `isSchedulableAfterPodDeleted`: a pod of the same namespace was deleted that had a volume
 * conflicting with the pod's, or used one of its claims (the claim's access mode is not fetched,
 * as upstream: it may have been the ReadWriteOncePod holder).
 */
function isSchedulableAfterPodDeleted(pod: Pod, deletedPod: Pod | undefined): QueueingHint {
  if (!deletedPod) return 'Queue';
  if ((deletedPod.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) return 'QueueSkip';
  if (!satisfyVolumeConflicts(pod, [deletedPod])) return 'Queue';
  const claims = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim) claims.add(v.persistentVolumeClaim.claimName);
  for (const v of deletedPod.spec?.volumes ?? []) if (v.persistentVolumeClaim && claims.has(v.persistentVolumeClaim.claimName)) return 'Queue';
  return 'QueueSkip';
}

/** `isSchedulableAfterPersistentVolumeClaimAdded`: the new claim is one the pod uses (same namespace, a volume naming it). */
function isSchedulableAfterPersistentVolumeClaimAdded(pod: Pod, _old: KubeObject | undefined, claim: KubeObject | undefined): QueueingHint {
  if (!claim) return 'Queue';
  if ((claim.metadata?.namespace ?? '') !== (pod.metadata?.namespace ?? '')) return 'QueueSkip';
  for (const v of pod.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName === claim.metadata?.name) return 'Queue';
  return 'QueueSkip';
}

/**
 * The events VolumeRestrictions registers. Node events: only Add, as with queueing hints on
 * (without them kube also registers UpdateNodeTaint and UpdateNodeLabel, for its preCheck).
 */
const VOLUME_RESTRICTIONS_EVENTS: readonly ClusterEventWithHint[] = [
  // a deleted pod may release a conflicting disk or a ReadWriteOncePod claim; spec.volumes is immutable
  { event: { resource: 'Pod', actionType: ActionType.Delete }, hint: isSchedulableAfterPodDeleted },
  // a new node may have room (no hint: every Node Add queues)
  { event: { resource: 'Node', actionType: ActionType.Add } },
  // the claim the pod refers to was created (it must exist for its access modes to be read)
  { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add }, hint: isSchedulableAfterPersistentVolumeClaimAdded },
];

/** The VolumeRestrictions filter plugin. */
export const VolumeRestrictions: FilterPlugin = {
  name: VOLUME_RESTRICTIONS,
  events: VOLUME_RESTRICTIONS_EVENTS,
  preFilter(pod: Pod, state: CycleState): PreFilterResult | undefined {
    const volumes = pod.spec?.volumes;
    if (!volumes || volumes.length === 0) return { status: SKIP };
    const needsDiskCheck = volumes.some(needsRestrictionsCheck);
    const ns = pod.metadata?.namespace ?? 'default';
    const rwop = new Set<string>();
    for (const v of volumes) {
      if (!v.persistentVolumeClaim) continue;
      const name = v.persistentVolumeClaim.claimName;
      const listers = state.snapshot.listers?.volumes;
      const pvc = listers?.claim(ns, name);
      if (!pvc) return { status: unresolvable(`persistentvolumeclaim "${name}" not found`) };
      if ((pvc.spec?.accessModes ?? []).includes('ReadWriteOncePod')) rwop.add(`${ns}/${name}`);
    }
    let count = 0;
    for (const key of rwop) if (isPVCUsedByPods(state, key)) count++;
    if (!needsDiskCheck && count === 0) return { status: SKIP };
    state.data.set(VOLUME_RESTRICTIONS, makeState(rwop, count, needsDiskCheck));
    return undefined;
  },
  addPod(state: CycleState, _pod: Pod, other: Pod): void {
    const s = state.data.get(VOLUME_RESTRICTIONS) as PreFilterState | undefined;
    if (s) s.conflictingPVCRefCount += claimKeysOf(other, s).length;
  },
  removePod(state: CycleState, _pod: Pod, other: Pod): void {
    const s = state.data.get(VOLUME_RESTRICTIONS) as PreFilterState | undefined;
    if (s) s.conflictingPVCRefCount -= claimKeysOf(other, s).length;
  },
  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const s = state.data.get(VOLUME_RESTRICTIONS) as PreFilterState | undefined;
    if (!s) return SUCCESS;
    if (s.needsDiskCheck) {
      for (const v of pod.spec?.volumes ?? []) {
        for (const key of nodeInfo.pods) {
          const existing = state.snapshot.pod(key)?.pod;
          if (existing && isVolumeConflict(v, existing)) return unschedulable(ERR_REASON_DISK_CONFLICT);
        }
      }
    }
    if (s.conflictingPVCRefCount > 0) return unschedulable(ERR_REASON_RWOP_CONFLICT);
    return SUCCESS;
  },
};
