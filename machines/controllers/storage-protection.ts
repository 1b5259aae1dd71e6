/**
 * The storage protection controllers: `pvc-protection` (`pkg/controller/volume/pvcprotection`)
 * removes the `kubernetes.io/pvc-protection` finalizer of a claim being deleted once no pod that
 * has not finished uses it (so a claim in use is kept until its pods are gone); `pv-protection`
 * (`pkg/controller/volume/pvprotection`) removes `kubernetes.io/pv-protection` of a volume being
 * deleted once it is no longer Bound.
 */
import type { KubeObject, PersistentVolume, PersistentVolumeClaim, Pod } from '../../src/api/types.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from '../../src/api/storage-names.js';
import { defineController, splitKey, watch, type ControllerMachine } from './controller.js';

/** The name of the claim protection controller. */
const PVC_PROTECTION_CONTROLLER = 'pvc-protection';
/** The name of the volume protection controller. */
const PV_PROTECTION_CONTROLLER = 'pv-protection';

/** The claims a pod's volumes name. */
function claimsOfPod(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    const name = v.persistentVolumeClaim?.claimName;
    if (name) out.push(`${pod.metadata?.namespace}/${name}`);
  }
  return out;
}

/** `podUsesPVC` as the protection controller judges it: a pod that has not finished, naming the claim. */
function podUsesClaim(pod: Pod, claimKey: string): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  return claimsOfPod(pod).includes(claimKey);
}

function withoutFinalizer(obj: KubeObject, finalizer: string): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, finalizers: (obj.metadata?.finalizers ?? []).filter((f) => f !== finalizer) } };
}

/** The `pvc-protection` controller. */
export const pvcProtectionController: ControllerMachine = defineController({
  name: PVC_PROTECTION_CONTROLLER,
  component: 'pvc-protection-controller',
  watches: {
    claims: watch<PersistentVolumeClaim>({ resource: 'persistentvolumeclaims' }),
    pods: watch<Pod>({
      resource: 'pods',
      indexes: { byClaim: (pod) => claimsOfPod(pod) },
      enqueue: ({ object, old }) => [...claimsOfPod(object), ...(old ? claimsOfPod(old) : [])],
    }),
  },
  sync(key, ctx) {
    const claim = ctx.get('claims', key);
    if (!claim || !claim.metadata?.deletionTimestamp || !(claim.metadata.finalizers ?? []).includes(PVC_PROTECTION_FINALIZER)) return;
    const users = ctx.byIndex('pods', 'byClaim', key).filter((p) => podUsesClaim(p, key));
    if (users.length > 0) return; // the pods' events bring the claim back
    const { namespace } = splitKey(key);
    ctx.client.update('persistentvolumeclaims', { ...withoutFinalizer(claim, PVC_PROTECTION_FINALIZER), metadata: { ...withoutFinalizer(claim, PVC_PROTECTION_FINALIZER).metadata, namespace } }, { ignore: [404, 409] });
  },
});

/** The `pv-protection` controller. */
export const pvProtectionController: ControllerMachine = defineController({
  name: PV_PROTECTION_CONTROLLER,
  component: 'pv-protection-controller',
  watches: {
    volumes: watch<PersistentVolume>({ resource: 'persistentvolumes' }),
  },
  sync(key, ctx) {
    const pv = ctx.get('volumes', key);
    if (!pv || !pv.metadata?.deletionTimestamp || !(pv.metadata.finalizers ?? []).includes(PV_PROTECTION_FINALIZER)) return;
    if (pv.status?.phase === 'Bound') return;
    ctx.client.update('persistentvolumes', withoutFinalizer(pv, PV_PROTECTION_FINALIZER), { ignore: [404, 409] });
  },
});
