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
import { SAFE_ALPHANUMS } from '../../src/api/defaults.js';
import type { KubeObject } from '../../src/api/types.js';
import { deepFreeze, isObject } from '../../src/api/json-values.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import { enforcesMountableSecrets, limitSecretReferences } from './mountable-secrets.js';
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

/** `ServiceAccountVolumeName`: the prefix of the projected token volume's name. */
const SERVICE_ACCOUNT_VOLUME_NAME = 'kube-api-access';
/** `DefaultAPITokenMountPath`: where every container finds its token, CA and namespace. */
const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** `serviceaccount.WarnOnlyBoundTokenExpirationSeconds`: the projected token's lifetime, 1 h 7 s. */
export const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS = 60 * 60 + 7;
/** `v1.ProjectedVolumeSourceDefaultMode` (0644), set explicitly on the volume (kubernetes#104464). */
const PROJECTED_DEFAULT_MODE = 420;

/**
 * `TokenVolumeSource()`: the token, the cluster's CA bundle and the pod's namespace. One frozen
 * object that every pod's volume shares (13 objects a pod otherwise; a stored pod is never
 * changed in place).
 */
const TOKEN_VOLUME_SOURCE: Obj = deepFreeze({
  defaultMode: PROJECTED_DEFAULT_MODE,
  sources: [
    { serviceAccountToken: { expirationSeconds: WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
    { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
    { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
  ],
});

/** `shouldAutomount`: the pod's preference wins, then the ServiceAccount's; true by default. */
function shouldAutomount(sa: Obj, podSpec: Obj): boolean {
  if (typeof podSpec.automountServiceAccountToken === 'boolean') return podSpec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/**
 * `mountServiceAccountToken`: the projected volume (`kube-api-access-` and a generated suffix, or
 * the pod's own volume of that prefix if it has one) mounted read-only at the token path in every
 * init container and container that mounts nothing there already; the volume is added when a
 * container needed it and the pod had none.
 */
function mountServiceAccountToken(podSpec: Obj, generateName: (base: string) => string): void {
  const volumes: Obj[] = Array.isArray(podSpec.volumes) ? podSpec.volumes : [];
  const existing = volumes.find((v) => typeof v?.name === 'string' && v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const tokenVolumeName: string = existing ? existing.name : generateName(`${SERVICE_ACCOUNT_VOLUME_NAME}-`);
  const volumeMount = { name: tokenVolumeName, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
  let needsTokenVolume = false;
  for (const list of [podSpec.initContainers, podSpec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const container of list as Obj[]) {
      const mounts: Obj[] = Array.isArray(container.volumeMounts) ? container.volumeMounts : [];
      if (mounts.some((m) => m?.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
      container.volumeMounts = [...mounts, { ...volumeMount }];
      needsTokenVolume = true;
    }
  }
  if (!existing && needsTokenVolume) podSpec.volumes = [...volumes, { name: tokenVolumeName, projected: TOKEN_VOLUME_SOURCE }];
}

/**
 * The five characters `names.SimpleNameGenerator` appends to a `generateName`, over apimachinery's
 * safe alphabet, from one 32-bit draw (27^5 < 2^32): the API server draws once per generated name.
 */
export function safeSuffix(draw: number): string {
  let suffix = '';
  let rest = draw >>> 0;
  for (let i = 0; i < 5; i++) {
    suffix += SAFE_ALPHANUMS[rest % SAFE_ALPHANUMS.length];
    rest = Math.floor(rest / SAFE_ALPHANUMS.length);
  }
  return suffix;
}

/** `names.SimpleNameGenerator`: the base and five random characters of apimachinery's safe alphabet. */
export function simpleNameGenerator(int: (maxExclusive: number) => number): (base: string) => string {
  return (base) => {
    let suffix = '';
    for (let i = 0; i < 5; i++) suffix += SAFE_ALPHANUMS[int(SAFE_ALPHANUMS.length)];
    return `${base}${suffix}`;
  };
}

/** A named object reference (`secretRef`, `nodePublishSecretRef`) with its name, or undefined. */
const refName = (ref: unknown): string | undefined => (isObj(ref) ? String(ref.name ?? '') : undefined);

const isObj: (v: unknown) => v is Obj = isObject;

/**
 * `podutil.VisitPodSecretNames` with `AllContainers`: whether the pod names a Secret anywhere — an
 * image pull secret, a container's (init, app or ephemeral) `envFrom[].secretRef` or
 * `env[].valueFrom.secretKeyRef`, or a volume's secret (`secret`, a `projected` source's `secret`,
 * and the `secretRef`/`secretName`/`nodePublishSecretRef` of azureFile, cephfs, cinder,
 * flexVolume, rbd, scaleIO, iscsi, storageos and csi volumes).
 */
function namesSecrets(spec: Obj): boolean {
  if (Array.isArray(spec.imagePullSecrets) && spec.imagePullSecrets.length > 0) return true;
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers]) {
    for (const c of Array.isArray(list) ? (list as Obj[]) : []) {
      if ((Array.isArray(c?.envFrom) ? (c.envFrom as Obj[]) : []).some((e) => isObj(e?.secretRef))) return true;
      if ((Array.isArray(c?.env) ? (c.env as Obj[]) : []).some((e) => isObj(e?.valueFrom?.secretKeyRef))) return true;
    }
  }
  for (const v of Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : []) {
    if (!isObj(v)) continue;
    if (isObj(v.azureFile) && typeof v.azureFile.secretName === 'string' && v.azureFile.secretName !== '') return true;
    if (['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'].some((k) => isObj(v[k]) && refName(v[k].secretRef) !== undefined)) return true;
    if (isObj(v.projected) && (Array.isArray(v.projected.sources) ? (v.projected.sources as Obj[]) : []).some((s) => isObj(s?.secret))) return true;
    if (isObj(v.secret)) return true;
    if (isObj(v.csi) && refName(v.csi.nodePublishSecretRef) !== undefined) return true;
  }
  return false;
}

/**
 * The plugin's `Validate` of a mirror pod (the kubelet's copy of a static pod, annotated
 * `kubernetes.io/config.mirror`): its spec is never changed (no `default` account, no token
 * volume: "that makes the kubelet very angry and confused"), and it may reference no
 * ServiceAccount, no Secret and no ServiceAccountToken projection.
 */
function validateMirrorPod(pod: Obj): string | undefined {
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') return 'a mirror pod may not reference service accounts';
  if (namesSecrets(spec)) return 'a mirror pod may not reference secrets';
  for (const v of Array.isArray(spec.volumes) ? (spec.volumes as Obj[]) : []) {
    const sources: unknown = isObj(v) && isObj(v.projected) ? v.projected.sources : undefined;
    if (Array.isArray(sources) && (sources as Obj[]).some((s) => isObj(s?.serviceAccountToken))) return 'a mirror pod may not use ServiceAccountToken volume projections';
  }
  return undefined;
}

/**
 * The `ServiceAccount` admission plugin (`plugin/pkg/admission/serviceaccount`) on a pod being
 * created (in place): a pod runs as the ServiceAccount it names (`default` when it names none),
 * which must exist in its namespace; unless the pod or the account turns
 * `automountServiceAccountToken` off, the projected token volume is added and mounted in every
 * container ({@link mountServiceAccountToken}); the account's `imagePullSecrets` are copied when
 * the pod has none; an account annotated `kubernetes.io/enforce-mountable-secrets: "true"` limits
 * the Secrets the pod may use to those it lists (mountable-secrets.ts). A mirror pod is left as it is, and refused when it references a ServiceAccount,
 * a Secret or a token projection ({@link validateMirrorPod}). Returns the reason for a 403
 * Forbidden, or undefined when the pod is admitted.
 *
 * Ephemeral containers are not touched: they cannot be given on create, and the real plugin's
 * `ephemeralcontainers` path only validates (`limitEphemeralContainerSecretReferences`, run by the
 * registry on that subresource's updates).
 */
export function admitServiceAccount(pod: Obj, namespace: string, serviceAccount: (namespace: string, name: string) => Obj | undefined, generateName: (base: string) => string): string | undefined {
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return validateMirrorPod(pod);
  const spec: Obj = (pod.spec ??= {});
  if (typeof spec.serviceAccountName !== 'string' || spec.serviceAccountName === '') spec.serviceAccountName = 'default';
  const name: string = spec.serviceAccountName;
  const sa = serviceAccount(namespace, name);
  if (!sa) return `error looking up service account ${namespace}/${name}: serviceaccount ${JSON.stringify(name)} not found`;
  if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec, generateName);
  const pull: unknown = spec.imagePullSecrets;
  if ((!Array.isArray(pull) || pull.length === 0) && Array.isArray(sa.imagePullSecrets) && sa.imagePullSecrets.length > 0) {
    spec.imagePullSecrets = (sa.imagePullSecrets as Obj[]).map((s) => ({ name: s?.name }));
  }
  return enforcesMountableSecrets(sa) ? limitSecretReferences(sa, spec) : undefined;
}
