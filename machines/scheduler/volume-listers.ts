/**
 * What the volume plugins read of the cluster's storage (kube-scheduler's PVC, PV and StorageClass
 * listers) and the volume binder's assume caches (`assume_cache.go`: `PVAssumeCache`,
 * `PVCAssumeCache`).
 *
 * Reserve assumes its decisions (a volume's new `claimRef`, a claim's `selected-node` annotation)
 * so the next pods' cycles see them before the API writes land. An assumed object stands until the
 * informer delivers a version newer than the one it was assumed on (a larger resourceVersion), or
 * until Unreserve restores it.
 */
import type { PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from '../../src/api/types.js';
import { objectKey } from '../../src/api/object-key.js';

/** The storage listers and assume caches of one scheduler. */
export interface VolumeListers {
  /** A claim, the assumed version while it stands (`pvcCache.GetPVC`). */
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  /** A claim as the informer last delivered it (`GetAPIPVC`). */
  apiClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  /** A volume, the assumed version while it stands (`pvCache.GetPV`). */
  volume(name: string): PersistentVolume | undefined;
  /** A volume as the informer last delivered it (`GetAPIPV`). */
  apiVolume(name: string): PersistentVolume | undefined;
  /** Every volume, assumed versions in place, in name order (`pvCache.ListPVs`). */
  volumes(): PersistentVolume[];
  /** A StorageClass. */
  storageClass(name: string): StorageClass | undefined;
  /** Assumes a new version of a volume (`pvCache.Assume`). */
  assumeVolume(pv: PersistentVolume): void;
  /** Assumes a new version of a claim (`pvcCache.Assume`). */
  assumeClaim(pvc: PersistentVolumeClaim): void;
  /** Drops an assumed volume (`pvCache.Restore`). */
  restoreVolume(name: string): void;
  /** Drops an assumed claim (`pvcCache.Restore`). */
  restoreClaim(namespace: string, name: string): void;
}

/** The stores the listers read: `namespace/name` keys for claims, names for volumes and classes. */
export interface VolumeStores {
  readonly claims: ReadonlyMap<string, PersistentVolumeClaim> | undefined;
  readonly volumes: ReadonlyMap<string, PersistentVolume> | undefined;
  readonly classes: ReadonlyMap<string, StorageClass> | undefined;
}

function rv(obj: { metadata?: { resourceVersion?: string } } | undefined): number {
  const n = Number(obj?.metadata?.resourceVersion ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** Listers over informer stores with assume caches (see {@link VolumeListers}). */
export function createVolumeListers(stores: () => VolumeStores): VolumeListers {
  const assumedClaims = new Map<string, PersistentVolumeClaim>();
  const assumedVolumes = new Map<string, PersistentVolume>();
  const current = <T extends { metadata?: { resourceVersion?: string } }>(assumed: Map<string, T>, key: string, api: T | undefined): T | undefined => {
    const a = assumed.get(key);
    if (!a) return api;
    // the informer caught up with (or overtook) the assumption: it is no longer needed
    if (!api || rv(api) > rv(a)) {
      assumed.delete(key);
      return api;
    }
    return a;
  };
  return {
    claim: (namespace, name) => current(assumedClaims, `${namespace}/${name}`, stores().claims?.get(`${namespace}/${name}`)),
    apiClaim: (namespace, name) => stores().claims?.get(`${namespace}/${name}`),
    volume: (name) => current(assumedVolumes, name, stores().volumes?.get(name)),
    apiVolume: (name) => stores().volumes?.get(name),
    volumes() {
      const out: PersistentVolume[] = [];
      const store = stores().volumes;
      if (!store) return out;
      for (const [name, pv] of store) out.push(current(assumedVolumes, name, pv)!);
      return out.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : a.metadata!.name! > b.metadata!.name! ? 1 : 0));
    },
    storageClass: (name) => stores().classes?.get(name),
    assumeVolume: (pv) => void assumedVolumes.set(pv.metadata!.name!, pv),
    assumeClaim: (pvc) => void assumedClaims.set(objectKey(pvc), pvc),
    restoreVolume: (name) => void assumedVolumes.delete(name),
    restoreClaim: (namespace, name) => void assumedClaims.delete(`${namespace}/${name}`),
  };
}

/** One of a pod's volumes that is a claim: its name, and whether it is a generic ephemeral volume. */
export interface PodClaimRef {
  /** The claim's name (`<pod>-<volume>` for an ephemeral volume, `ephemeral.VolumeClaimName`). */
  readonly name: string;
  /** True for `volumes[].ephemeral`. */
  readonly ephemeral: boolean;
}

/** The claims a pod's volumes name, in order (`persistentVolumeClaim` and `ephemeral` volumes). */
export function podClaimRefs(pod: Pod): PodClaimRef[] {
  const out: PodClaimRef[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral) out.push({ name: `${pod.metadata?.name}-${v.name}`, ephemeral: true });
  }
  return out;
}

/** True when a pod names at least one claim (cheap: no allocation for pods without volumes). */
export function podHasClaims(pod: Pod): boolean {
  const volumes = pod.spec?.volumes;
  if (!volumes) return false;
  for (let i = 0; i < volumes.length; i++) if (volumes[i]!.persistentVolumeClaim || volumes[i]!.ephemeral) return true;
  return false;
}
