/**
 * The storage admission plugins of kube-apiserver that change objects on create:
 *
 * - `DefaultStorageClass` (`plugin/pkg/admission/storage/storageclass/setdefault`): a claim that
 *   names no class (`spec.storageClassName` absent; `""` asks for none) gets the default class,
 *   the StorageClass annotated `storageclass.kubernetes.io/is-default-class: "true"` (the newest
 *   one when several are, ties broken by name);
 * - `StorageObjectInUseProtection` (`plugin/pkg/admission/storage/storageobjectinuseprotection`):
 *   every new claim gets the `kubernetes.io/pvc-protection` finalizer and every new volume the
 *   `kubernetes.io/pv-protection` finalizer; the protection controllers remove them once the
 *   object is no longer in use.
 */
import type { KubeObject } from '../../src/api/types.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import { BETA_IS_DEFAULT_CLASS_ANNOTATION, IS_DEFAULT_CLASS_ANNOTATION, PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../src/api/storage-names.js';

type Obj = KubeObject & Record<string, any>;

/** `storageutil.IsDefaultAnnotation`. */
function isDefaultClass(sc: KubeObject): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[IS_DEFAULT_CLASS_ANNOTATION] === 'true' || a[BETA_IS_DEFAULT_CLASS_ANNOTATION] === 'true';
}

/** `GetDefaultClass`: the newest default StorageClass (ties by name), if any. */
function defaultClassOf(classes: readonly KubeObject[]): KubeObject | undefined {
  let best: KubeObject | undefined;
  for (const sc of classes) {
    if (!isDefaultClass(sc)) continue;
    if (!best) best = sc;
    else {
      const a = sc.metadata?.creationTimestamp ?? '';
      const b = best.metadata?.creationTimestamp ?? '';
      if (a > b || (a === b && (sc.metadata?.name ?? '') < (best.metadata?.name ?? ''))) best = sc;
    }
  }
  return best;
}

/** Runs the storage admission plugins on an object being created (in place). */
export function admitStorageCreate(info: ResourceInfo, obj: Obj, storageClasses: () => readonly KubeObject[]): void {
  if (info.group !== '') return;
  if (info.plural === 'persistentvolumeclaims') {
    const spec = (obj.spec ??= {});
    if (spec.storageClassName === undefined || spec.storageClassName === null) {
      const def = defaultClassOf(storageClasses());
      if (def) spec.storageClassName = def.metadata!.name;
    }
    addFinalizer(obj, PVC_PROTECTION_FINALIZER);
  } else if (info.plural === 'persistentvolumes') {
    addFinalizer(obj, PV_PROTECTION_FINALIZER);
  }
}

function addFinalizer(obj: Obj, name: string): void {
  const m = (obj.metadata ??= {});
  const list = m.finalizers ?? [];
  if (!list.includes(name)) m.finalizers = [...list, name];
}

/** The annotation of a mirror pod (`kubetypes.ConfigMirrorAnnotationKey`). */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/**
 * The `ServiceAccount` admission plugin (`plugin/pkg/admission/serviceaccount`) on a pod being
 * created: a pod runs as the ServiceAccount it names (`default` when it names none, set by the
 * defaults), which must exist in its namespace; a mirror pod is left alone. Returns the reason
 * for a 403 Forbidden, or undefined when the pod is admitted.
 */
export function admitServiceAccount(pod: Obj, namespace: string, exists: (namespace: string, name: string) => boolean): string | undefined {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return undefined;
  const name = typeof pod.spec?.serviceAccountName === 'string' && pod.spec.serviceAccountName ? pod.spec.serviceAccountName : 'default';
  if (exists(namespace, name)) return undefined;
  return `error looking up service account ${namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found`;
}
