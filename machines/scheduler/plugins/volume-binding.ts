/**
 * VolumeBinding (kube-scheduler `plugins/volumebinding`, `volume_binding.go` and the volume
 * binder of `binder.go`): a pod's PersistentVolumeClaims decide where it may run, and claims whose
 * StorageClass says `volumeBindingMode: WaitForFirstConsumer` are bound for the node the pod is
 * scheduled to.
 *
 * - PreFilter: Skip for pods without claims. A claim that is missing, Lost or being deleted makes
 *   the pod UnschedulableAndUnresolvable with the binder's error; an unbound claim whose binding is
 *   Immediate (or a claim pre-bound by `volumeName` but not yet bound) gives
 *   `pod has unbound immediate PersistentVolumeClaims`. Claims are split into bound ones and
 *   unbound delayed-binding ones (`GetPodVolumeClaims`).
 * - Filter (`FindPodVolumes`): a bound claim's volume must exist
 *   (`node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)`) and its node
 *   affinity must admit the node (`node(s) had volume node affinity conflict`); an unbound claim
 *   already annotated `volume.kubernetes.io/selected-node` fits only that node; the others, smallest
 *   request first, take the smallest Available volume of their class that admits the node
 *   (`FindMatchingVolume`), or must be provisionable there: a class with a provisioner other than
 *   `kubernetes.io/no-provisioner` whose `allowedTopologies` admit the node's labels
 *   (`node(s) didn't find available persistent volumes to bind`). All UnschedulableAndUnresolvable.
 * - Reserve (`AssumePodVolumes`): the chosen node's static bindings (the volume with the claim's
 *   `claimRef`) and provisionings (the claim with the `selected-node` annotation) are assumed in the
 *   binder's caches, so the next cycles see them; Unreserve restores them.
 * - PreBind (`BindPodVolumes`): the assumed volumes and claims are written through the API, then the
 *   scheduler waits until the PV controller has bound every claim (`checkBindings`) before it binds
 *   the pod, failing after `bindTimeoutSeconds` (600 s).
 * - Events (`EventsToRegister`, with queueing hints as v1.32 runs them): a StorageClass added, or
 *   updated in its `allowedTopologies` (`isSchedulableAfterStorageClassChange`); a claim of the
 *   pod's namespace that the pod uses (by name, or a generic ephemeral volume's claim) added or
 *   updated (`isSchedulableAfterPersistentVolumeClaimChange`); any PersistentVolume added or
 *   updated; a Node added or relabelled. The CSINode, CSIDriver and CSIStorageCapacity events are
 *   not registered: the API serves none of them here.
 *
 * Not modelled: storage capacity (CSIStorageCapacity, `node(s) did not have enough free storage`)
 * and the capacity Score, which kube-scheduler v1.32 runs only behind an alpha feature gate;
 * CSI migration of in-tree volumes (`tryTranslatePVToCSI`).
 */
import type { KubeObject, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../../src/api/types.js';
import { labelSelectorFromObject } from '../../../src/api/label-selector.js';
import { parseQuantity } from '../../../src/api/quantity.js';
import { BIND_COMPLETED_ANNOTATION, BOUND_BY_CONTROLLER_ANNOTATION, SELECTED_NODE_ANNOTATION } from '../../../src/api/storage-names.js';
import { SKIP, SUCCESS, unresolvable, type CycleState, type FilterPlugin, type PreBindPlan, type PreFilterResult, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { compileNodeSelector } from '../node-selector.js';
import { podClaimRefs, podHasClaims, type VolumeListers } from '../volume-listers.js';
import { ActionType, type ClusterEventWithHint, type QueueingHint } from '../events.js';
import { deepEqual } from '../../../src/api/json-values.js';

/** The plugin's name. */
const VOLUME_BINDING = 'VolumeBinding';

/** `ErrReasonBindConflict`. */
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
/** `ErrReasonNodeConflict`. */
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
/** `ErrReasonPVNotExist`. */
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
/** The PreFilter reason when an Immediate claim is not bound yet. */
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

/** `volume.NotSupportedProvisioner`: a class whose volumes are only created by hand. */
const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

/** `VolumeBindingArgs.bindTimeoutSeconds`' default, in ms. */
const BIND_TIMEOUT_MS = 600_000;

type PVC = PersistentVolumeClaim;
type PV = PersistentVolume;

/** A claim and the volume chosen for it on a node (`BindingInfo`). */
interface BindingInfo {
  pv: PV;
  readonly pvc: PVC;
}

/** What a node needs done for the pod's unbound claims (`PodVolumes`). */
interface PodVolumes {
  staticBindings: BindingInfo[];
  dynamicProvisions: PVC[];
}

/** The plugin's cycle state (`stateData`), shared by the cycle's copies as kube's is. */
interface StateData {
  readonly boundClaims: readonly PVC[];
  readonly unboundClaimsDelayBinding: readonly PVC[];
  readonly podVolumesByNode: Map<string, PodVolumes>;
  allBound: boolean;
}

function listersOf(state: CycleState): VolumeListers | undefined {
  return state.snapshot.listers?.volumes;
}

function storageRequest(pvc: PVC): number {
  const q = pvc.spec?.resources?.requests?.['storage'];
  return q === undefined ? 0 : parseQuantity(q);
}

function storageCapacity(pv: PV): number {
  const q = pv.spec?.capacity?.['storage'];
  return q === undefined ? 0 : parseQuantity(q);
}

/** `isPVCFullyBound`: a volume name and the bind-completed annotation. */
function isFullyBound(pvc: PVC): boolean {
  return !!pvc.spec?.volumeName && pvc.metadata?.annotations?.[BIND_COMPLETED_ANNOTATION] !== undefined;
}

/** `IsDelayBindingMode`: the claim's class exists and waits for the first consumer. */
function isDelayBinding(pvc: PVC, listers: VolumeListers): boolean {
  const name = pvc.spec?.storageClassName ?? '';
  if (name === '') return false;
  return listers.storageClass(name)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** `volume.CheckNodeAffinity`: a volume without required node affinity fits every node. */
function volumeFitsNode(pv: PV, labels: Readonly<Record<string, string>>, nodeName: string): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return compileNodeSelector(terms)(labels, nodeName);
}

/** `v1helper.MatchTopologySelectorTerms`: no terms match everything; else one term whose every expression holds. */
export function matchTopologySelectorTerms(terms: StorageClass['allowedTopologies'], labels: Readonly<Record<string, string>>): boolean {
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => (t.matchLabelExpressions ?? []).every((e) => Object.hasOwn(labels, e.key) && e.values.includes(labels[e.key]!)));
}

function isBoundTo(pv: PV, pvc: PVC): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== pvc.metadata?.name || ref.namespace !== pvc.metadata?.namespace) return false;
  return !ref.uid || ref.uid === pvc.metadata?.uid;
}

/**
 * `volume.FindMatchingVolume` with `delayBinding` (the scheduler's path): a volume already bound
 * to the claim wins if it admits the node; else the smallest Available, unclaimed volume of the
 * claim's class with enough capacity, the same volume mode, the claim's selector, every access
 * mode, and node affinity that admits the node. `excluded` volumes were chosen for other claims.
 */
export function findMatchingVolume(pvc: PVC, volumes: readonly PV[], node: Node, excluded: ReadonlySet<string>): PV | undefined {
  const requested = storageRequest(pvc);
  const requestedClass = pvc.spec?.storageClassName ?? '';
  const selector = pvc.spec?.selector ? labelSelectorFromObject(pvc.spec.selector) : undefined;
  const labels = node.metadata?.labels ?? {};
  const nodeName = node.metadata!.name!;
  let smallest: PV | undefined;
  for (const pv of volumes) {
    if (excluded.has(pv.metadata!.name!)) continue;
    if (pv.spec?.claimRef && !isBoundTo(pv, pvc)) continue;
    const capacity = storageCapacity(pv);
    if (capacity < requested) continue;
    if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const fits = volumeFitsNode(pv, labels, nodeName);
    if (isBoundTo(pv, pvc)) return fits ? pv : undefined;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(pv.metadata?.labels)) continue;
    if ((pv.spec?.storageClassName ?? '') !== requestedClass) continue;
    if (!fits) continue;
    const modes = pv.spec?.accessModes ?? [];
    if (!(pvc.spec?.accessModes ?? []).every((m) => modes.includes(m))) continue;
    if (!smallest || storageCapacity(smallest) > capacity) smallest = pv;
  }
  return smallest;
}

/** The pre-filter checks of `podHasPVCs`: an error message, or undefined. */
function claimError(pod: Pod, listers: VolumeListers | undefined): string | undefined {
  const ns = pod.metadata?.namespace ?? 'default';
  for (const ref of podClaimRefs(pod)) {
    const pvc = listers?.claim(ns, ref.name);
    if (!pvc) {
      return ref.ephemeral
        ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"`
        : `persistentvolumeclaim "${ref.name}" not found`;
    }
    if (pvc.status?.phase === 'Lost') return `persistentvolumeclaim "${ref.name}" bound to non-existent persistentvolume "${pvc.spec?.volumeName ?? ''}"`;
    if (pvc.metadata?.deletionTimestamp) return `persistentvolumeclaim "${ref.name}" is being deleted`;
    if (ref.ephemeral) {
      const owner = (pvc.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
      if (!owner || owner.uid !== pod.metadata?.uid) return `PVC ${ns}/${ref.name} was not created for pod ${ns}/${pod.metadata?.name} (pod is not owner)`;
    }
  }
  return undefined;
}

/** `FindPodVolumes` for one node: the conflict reasons (empty when it fits) and what binding needs. */
function findPodVolumes(data: StateData, node: Node, listers: VolumeListers): { reasons: string[]; podVolumes: PodVolumes } {
  const podVolumes: PodVolumes = { staticBindings: [], dynamicProvisions: [] };
  const reasons: string[] = [];
  const labels = node.metadata?.labels ?? {};
  const nodeName = node.metadata!.name!;
  let boundSatisfied = true;
  let unboundSatisfied = true;
  let boundPVsFound = true;
  const done = () => {
    if (!boundSatisfied) reasons.push(ERR_REASON_NODE_CONFLICT);
    if (!unboundSatisfied) reasons.push(ERR_REASON_BIND_CONFLICT);
    if (!boundPVsFound) reasons.push(ERR_REASON_PV_NOT_EXIST);
    return { reasons, podVolumes };
  };
  // checkBoundClaims
  for (const pvc of data.boundClaims) {
    const pv = listers.volume(pvc.spec!.volumeName!);
    if (!pv) {
      boundPVsFound = false;
      break;
    }
    if (!volumeFitsNode(pv, labels, nodeName)) {
      boundSatisfied = false;
      break;
    }
  }
  if (data.unboundClaimsDelayBinding.length === 0) return done();
  const toMatch: PVC[] = [];
  const toProvision: PVC[] = [];
  for (const pvc of data.unboundClaimsDelayBinding) {
    const selected = pvc.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    if (selected !== undefined) {
      if (selected !== nodeName) {
        unboundSatisfied = false;
        return done();
      }
      toProvision.push(pvc);
    } else {
      toMatch.push(pvc);
    }
  }
  if (toMatch.length > 0) {
    // findMatchingVolumes: smallest requests first (a stable sort, as Go's sort.Sort is not, but
    // equal requests take equal volumes either way)
    const sorted = [...toMatch].sort((a, b) => storageRequest(a) - storageRequest(b));
    const chosen = new Set<string>();
    const all = listers.volumes();
    for (const pvc of sorted) {
      const cls = pvc.spec?.storageClassName ?? '';
      const ofClass = all.filter((pv) => (pv.spec?.storageClassName ?? '') === cls);
      const pv = findMatchingVolume(pvc, ofClass, node, chosen);
      if (!pv) {
        toProvision.push(pvc);
        unboundSatisfied = false;
        continue;
      }
      chosen.add(pv.metadata!.name!);
      podVolumes.staticBindings.push({ pv, pvc });
    }
  }
  if (toProvision.length > 0) {
    // checkVolumeProvisions
    unboundSatisfied = true;
    for (const pvc of toProvision) {
      const cls = listers.storageClass(pvc.spec?.storageClassName ?? '');
      if (!cls || !cls.provisioner || cls.provisioner === NOT_SUPPORTED_PROVISIONER || !matchTopologySelectorTerms(cls.allowedTopologies, labels)) {
        unboundSatisfied = false;
        podVolumes.dynamicProvisions = [];
        return done();
      }
      podVolumes.dynamicProvisions.push(pvc);
    }
  }
  return done();
}

/** `volume.GetBindVolumeToClaim`: the volume with the claim's reference (and bound-by-controller when new). */
function bindVolumeToClaim(pv: PV, pvc: PVC): PV {
  const boundAlready = isBoundTo(pv, pvc);
  const out: PV = { ...pv, metadata: { ...pv.metadata }, spec: { ...pv.spec } };
  if (!pv.spec?.claimRef || !pv.spec.claimRef.uid) {
    out.spec!.claimRef = {
      kind: 'PersistentVolumeClaim',
      namespace: pvc.metadata!.namespace,
      name: pvc.metadata!.name,
      uid: pvc.metadata!.uid,
      apiVersion: 'v1',
      resourceVersion: pvc.metadata!.resourceVersion,
    };
  }
  if (!boundAlready && out.metadata!.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION] === undefined) {
    out.metadata!.annotations = { ...(out.metadata!.annotations ?? {}), [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' };
  }
  return out;
}

/** `arePodVolumesBound`. */
function arePodVolumesBound(pod: Pod, listers: VolumeListers): boolean {
  const ns = pod.metadata?.namespace ?? 'default';
  for (const ref of podClaimRefs(pod)) {
    const pvc = listers.claim(ns, ref.name);
    if (!pvc || !isFullyBound(pvc)) return false;
  }
  return true;
}

function rv(obj: KubeObject | undefined): number {
  return Number(obj?.metadata?.resourceVersion ?? 0);
}

/** `checkBindings`: true when every claim is bound, false to wait, an error message to give up. */
function checkBindings(listers: VolumeListers, node: Node, podVolumes: PodVolumes, written: readonly (KubeObject | undefined)[]): boolean | string {
  const labels = node.metadata?.labels ?? {};
  const nodeName = node.metadata!.name!;
  let i = 0;
  for (const b of podVolumes.staticBindings) {
    const sent = written[i++] ?? b.pv;
    const pv = listers.apiVolume(b.pv.metadata!.name!);
    if (!pv) return `failed to check binding: pv "${b.pv.metadata!.name}" not found`;
    const pvc = listers.apiClaim(b.pvc.metadata!.namespace!, b.pvc.metadata!.name!);
    if (!pvc) return `failed to check binding: pvc "${b.pvc.metadata!.namespace}/${b.pvc.metadata!.name}" not found`;
    if (rv(sent) > rv(pv)) return false;
    if (!volumeFitsNode(pv, labels, nodeName)) return `pv "${pv.metadata!.name}" node affinity doesn't match node "${nodeName}": no matching NodeSelectorTerms`;
    if (!pv.spec?.claimRef?.uid) return `ClaimRef got reset for pv "${pv.metadata!.name}"`;
    if (!isFullyBound(pvc)) return false;
  }
  for (const claim of podVolumes.dynamicProvisions) {
    const sent = written[i++] ?? claim;
    const pvc = listers.apiClaim(claim.metadata!.namespace!, claim.metadata!.name!);
    if (!pvc) return `failed to check provisioning pvc: pvc "${claim.metadata!.namespace}/${claim.metadata!.name}" not found`;
    if (rv(sent) > rv(pvc)) return false;
    const selected = pvc.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
    if (selected === undefined && !pvc.metadata?.annotations) return `selectedNode annotation reset for PVC "${pvc.metadata!.name}"`;
    if (selected !== nodeName) return `provisioning failed for PVC "${pvc.metadata!.name}"`;
    if (pvc.spec?.volumeName) {
      const pv = listers.apiVolume(pvc.spec.volumeName);
      if (!pv) return false;
      if (!volumeFitsNode(pv, labels, nodeName)) return `pv "${pv.metadata!.name}" node affinity doesn't match node "${nodeName}": no matching NodeSelectorTerms`;
    }
    if (!isFullyBound(pvc)) return false;
  }
  return true;
}

/**
 * `isSchedulableAfterStorageClassChange`: a new StorageClass may make the pod schedulable; an
 * update only when its `allowedTopologies` changed (its binding mode is immutable).
 */
function isSchedulableAfterStorageClassChange(_pod: Pod, oldObj: KubeObject | undefined, newObj: KubeObject | undefined): QueueingHint {
  if (!oldObj) return 'Queue';
  const before = (oldObj as StorageClass).allowedTopologies ?? [];
  const after = (newObj as StorageClass | undefined)?.allowedTopologies ?? [];
  return deepEqual(before, after) ? 'QueueSkip' : 'Queue';
}

/**
 * `isSchedulableAfterPersistentVolumeClaimChange`: a claim the pod uses (in its namespace, by
 * `persistentVolumeClaim.claimName` or as a generic ephemeral volume's `<pod>-<volume>` claim)
 * was added or updated.
 */
function isSchedulableAfterPersistentVolumeClaimChange(pod: Pod, _oldObj: KubeObject | undefined, newObj: KubeObject | undefined): QueueingHint {
  const pvc = newObj as PVC | undefined;
  if (!pvc) return 'Queue';
  if ((pod.metadata?.namespace ?? 'default') !== (pvc.metadata?.namespace ?? 'default')) return 'QueueSkip';
  for (const ref of podClaimRefs(pod)) if (ref.name === pvc.metadata?.name) return 'Queue';
  return 'QueueSkip';
}

/** What VolumeBinding registers (`EventsToRegister` with `SchedulerQueueingHints` on, as in v1.32). */
const VOLUME_BINDING_EVENTS: readonly ClusterEventWithHint[] = [
  { event: { resource: 'storage.k8s.io/StorageClass', actionType: ActionType.Add | ActionType.Update }, hint: isSchedulableAfterStorageClassChange },
  { event: { resource: 'PersistentVolumeClaim', actionType: ActionType.Add | ActionType.Update }, hint: isSchedulableAfterPersistentVolumeClaimChange },
  { event: { resource: 'PersistentVolume', actionType: ActionType.Add | ActionType.Update } },
  { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel } },
];

/** Options of {@link createVolumeBinding} (`VolumeBindingArgs`). */
export interface VolumeBindingArgs {
  /** `bindTimeoutSeconds` in ms: how long PreBind waits for the claims to be bound (default 600 s). */
  readonly bindTimeoutMs?: number;
}

/**
 * A VolumeBinding plugin with its args.
 * @throws {RangeError} when the bind timeout is not a non-negative integer number of seconds.
 */
export function createVolumeBinding(args: VolumeBindingArgs = {}): FilterPlugin {
  const bindTimeoutMs = args.bindTimeoutMs ?? BIND_TIMEOUT_MS;
  if (!Number.isInteger(bindTimeoutMs / 1000) || bindTimeoutMs < 0) throw new RangeError(`Invalid value: ${bindTimeoutMs / 1000}: invalid BindTimeoutSeconds, should not be a negative value`);
  return {
  name: VOLUME_BINDING,
  events: VOLUME_BINDING_EVENTS,
  preFilter(pod: Pod, state: CycleState): PreFilterResult | undefined {
    if (!podHasClaims(pod)) return { status: SKIP };
    const listers = listersOf(state);
    const err = claimError(pod, listers);
    if (err) return { status: unresolvable(err) };
    const ns = pod.metadata?.namespace ?? 'default';
    const bound: PVC[] = [];
    const delayed: PVC[] = [];
    let immediate = 0;
    for (const ref of podClaimRefs(pod)) {
      const pvc = listers!.claim(ns, ref.name)!;
      if (isFullyBound(pvc)) bound.push(pvc);
      else if (isDelayBinding(pvc, listers!) && !pvc.spec?.volumeName) delayed.push(pvc);
      else immediate++;
    }
    if (immediate > 0) return { status: unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
    const data: StateData = { boundClaims: bound, unboundClaimsDelayBinding: delayed, podVolumesByNode: new Map(), allBound: false };
    state.data.set(VOLUME_BINDING, data);
    return undefined;
  },
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const data = state.data.get(VOLUME_BINDING) as StateData | undefined;
    const listers = listersOf(state);
    if (!data || !listers || !nodeInfo.node) return SUCCESS;
    const { reasons, podVolumes } = findPodVolumes(data, nodeInfo.node, listers);
    if (reasons.length > 0) return unresolvable(...reasons);
    data.podVolumesByNode.set(nodeInfo.name, podVolumes);
    return SUCCESS;
  },
  reserve(state: CycleState, pod: Pod, nodeName: string): Status {
    const data = state.data.get(VOLUME_BINDING) as StateData | undefined;
    const listers = listersOf(state);
    const podVolumes = data?.podVolumesByNode.get(nodeName);
    if (!data || !listers || !podVolumes) {
      if (data) data.allBound = true;
      return SUCCESS;
    }
    if (arePodVolumesBound(pod, listers)) {
      data.allBound = true;
      return SUCCESS;
    }
    podVolumes.staticBindings = podVolumes.staticBindings.map((b) => {
      const pv = bindVolumeToClaim(b.pv, b.pvc);
      listers.assumeVolume(pv);
      return { pv, pvc: b.pvc };
    });
    podVolumes.dynamicProvisions = podVolumes.dynamicProvisions.map((pvc) => {
      const assumed: PVC = { ...pvc, metadata: { ...pvc.metadata, annotations: { ...(pvc.metadata?.annotations ?? {}), [SELECTED_NODE_ANNOTATION]: nodeName } } };
      listers.assumeClaim(assumed);
      return assumed;
    });
    data.allBound = false;
    return SUCCESS;
  },
  unreserve(state: CycleState, _pod: Pod, nodeName: string): void {
    const data = state.data.get(VOLUME_BINDING) as StateData | undefined;
    const listers = listersOf(state);
    const podVolumes = data?.podVolumesByNode.get(nodeName);
    if (!podVolumes || !listers) return;
    for (const b of podVolumes.staticBindings) listers.restoreVolume(b.pv.metadata!.name!);
    for (const pvc of podVolumes.dynamicProvisions) listers.restoreClaim(pvc.metadata!.namespace!, pvc.metadata!.name!);
  },
  preBind(state: CycleState, _pod: Pod, nodeName: string): PreBindPlan | undefined {
    const data = state.data.get(VOLUME_BINDING) as StateData | undefined;
    const listers = listersOf(state);
    if (!data || data.allBound || !listers) return undefined;
    const podVolumes = data.podVolumesByNode.get(nodeName);
    if (!podVolumes) return { writes: [], check: () => `no pod volumes found for node "${nodeName}"`, timeoutMs: bindTimeoutMs };
    const node = state.snapshot.nodeInfo(nodeName)?.node;
    return {
      writes: [
        ...podVolumes.staticBindings.map((b) => ({ resource: 'persistentvolumes', object: b.pv })),
        ...podVolumes.dynamicProvisions.map((pvc) => ({ resource: 'persistentvolumeclaims', object: pvc })),
      ],
      check: (written) => {
        if (!node) return `failed to get node "${nodeName}"`;
        const r = checkBindings(listers, node, podVolumes, written);
        return typeof r === 'string' ? `binding volumes: ${r}` : r;
      },
      timeoutMs: bindTimeoutMs,
    };
  },
  };
}

/** The VolumeBinding plugin with the default args (filter with pre-filter, reserve, unreserve and pre-bind). */
export const VolumeBinding: FilterPlugin = createVolumeBinding();
