/**
 * Helpers the controllers share, after `pkg/api/v1/pod`, `pkg/controller/controller_utils.go` and
 * apimachinery's `metav1` helpers: pod readiness and availability, controller references,
 * conditions, and a structural equality for "does this update change anything".
 */
import type { KubeObject, OwnerReference, Pod, PodCondition } from '../../src/api/types.js';

/** An object seen as a plain record (to walk fields the typed kinds do not spell out). */
export type Obj = KubeObject & Record<string, any>;

/** The pod's condition of a type. */
export function podCondition(pod: Pod, type: string): PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** `podutil.IsPodReady`: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * `podutil.IsPodAvailable`: ready, and (with minReadySeconds) ready for at least that long.
 * `readySince` is the virtual time of the Ready condition's lastTransitionTime.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number, timeOf: (ts: string) => number): boolean {
  if (!isPodReady(pod)) return false;
  if (!minReadySeconds) return true;
  const ts = podCondition(pod, 'Ready')?.lastTransitionTime;
  if (!ts) return false;
  const since = timeOf(ts);
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= now;
}

/** `controller.IsPodActive`: not Succeeded, not Failed, not being deleted. */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** `metav1.GetControllerOf`: the owner reference with `controller: true`. */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** `metav1.NewControllerRef`: a controller reference to `owner` (blocking its foreground deletion). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata!.name!,
    uid: owner.metadata!.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * `ownerRefControllerPatch` (pkg/controller/controller_ref_manager.go): the strategic merge patch
 * with which a controller adopts an object, adding its controller reference (merge key `uid`);
 * the object's `uid` makes it a precondition.
 */
export function adoptPatch(ref: OwnerReference, objectUid: string | undefined): object {
  return { metadata: { ownerReferences: [ref], uid: objectUid } };
}

/**
 * `GenerateDeleteOwnerRefStrategicMergeBytes`: the strategic merge patch with which a controller
 * releases an object, deleting its reference to `ownerUid`.
 */
export function releasePatch(ownerUid: string, objectUid: string | undefined): object {
  return { metadata: { ownerReferences: [{ $patch: 'delete', uid: ownerUid }], uid: objectUid } };
}

export { clone, deepEqual } from '../../src/api/json-values.js';

/** Compares two `namespace/name` or creation timestamps for sorting (older first, then by name). */
export function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}
