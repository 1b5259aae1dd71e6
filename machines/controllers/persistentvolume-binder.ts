/**
 * The PersistentVolume controller (`pkg/controller/volume/persistentvolume`, kube-controller-manager's
 * `persistentvolume-binder`), with a simulated dynamic provisioner in place of the external one.
 *
 * Claims (keys `claim:<namespace>/<name>`), as `syncClaim`:
 * - an unbound claim is matched to the smallest Available volume of its class
 *   (`findBestMatchForClaim`: same `storageClassName`, every access mode, enough capacity, same
 *   volumeMode, the claim's label selector, a volume pre-bound to it by `claimRef` or `volumeName`
 *   first); for a class with `volumeBindingMode: WaitForFirstConsumer` nothing happens until the
 *   scheduler has chosen a node for a pod using it (annotation `volume.kubernetes.io/selected-node`)
 *   and then only volumes whose node affinity admits that node match (event
 *   `WaitForFirstConsumer` meanwhile);
 * - binding writes the volume's `claimRef` (annotation `pv.kubernetes.io/bound-by-controller`) and
 *   phase Bound, then the claim's `volumeName` (annotations `pv.kubernetes.io/bind-completed`,
 *   `bound-by-controller`) and status (Bound, capacity, access modes);
 * - no volume matches and the class has a provisioner (not `kubernetes.io/no-provisioner`): the
 *   claim is annotated `volume.kubernetes.io/storage-provisioner` and the simulated provisioner
 *   creates `pvc-<claim uid>` (hostPath, the class's reclaim policy, pre-bound to the claim; event
 *   `ProvisioningSucceeded`) with the node affinity a CSI provisioner gives its volumes
 *   ({@link provisionedNodeAffinity}: the selected node's values of the class's `allowedTopologies`
 *   keys, e.g. its zone; the selected node's hostname for a class without them; for an Immediate
 *   class with allowedTopologies the first allowed segment); no class: event
 *   `FailedBinding` "no persistent volumes available for this claim and no storage class is set";
 * - a bound claim whose volume is gone is `Lost` (event `ClaimLost`).
 *
 * Volumes (keys `volume:<name>`), as `syncVolume`: no claimRef → Available; claimRef to a claim
 * that is gone (or another uid) → Released, then reclaimed: `Delete` deletes the volume, `Retain`
 * keeps it Released; claimRef to a bound claim → Bound.
 */
import type { KubeObject, Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../src/api/types.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import { parseQuantity } from '../../src/api/quantity.js';
import {
  BETA_STORAGE_PROVISIONER_ANNOTATION,
  BIND_COMPLETED_ANNOTATION,
  BOUND_BY_CONTROLLER_ANNOTATION,
  PROVISIONED_BY_ANNOTATION,
  SELECTED_NODE_ANNOTATION,
  STORAGE_PROVISIONER_ANNOTATION,
} from '../../src/api/storage-names.js';
import { compileNodeSelector, nodeLabels } from '../scheduler/node-selector.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { clone, type Obj } from './util.js';

/** The controller's name (address `controller-manager/persistentvolume-binder`). */
const PV_BINDER_CONTROLLER = 'persistentvolume-binder';
/** The provisioner name of classes whose volumes are only created by hand. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

type PV = PersistentVolume & Obj;
type PVC = PersistentVolumeClaim & Obj;
type SC = StorageClass & Obj;

type Ws = {
  claims: ReturnType<typeof watch<PVC>>;
  volumes: ReturnType<typeof watch<PV>>;
  classes: ReturnType<typeof watch<SC>>;
  nodes: ReturnType<typeof watch<Node>>;
};
type Ctx = SyncContext<Ws & Watches, undefined, Record<string, unknown>>;

const claimKey = (c: KubeObject) => `claim:${c.metadata?.namespace}/${c.metadata?.name}`;
const volumeKey = (name: string) => `volume:${name}`;

function storageOf(list: Record<string, unknown> | undefined): number {
  const q = list?.['storage'];
  if (typeof q !== 'string' && typeof q !== 'number') return 0;
  try {
    return parseQuantity(q);
  } catch {
    return 0;
  }
}

function classOf(obj: { spec?: { storageClassName?: string } }): string {
  return obj.spec?.storageClassName ?? '';
}

/** `checkVolumeSatisfyClaim` and the selector / node checks of `findMatchingVolume`. */
function volumeMatchesClaim(pv: PV, claim: PVC, node: Node | undefined): boolean {
  if (pv.metadata?.deletionTimestamp) return false;
  if (classOf(pv) !== classOf(claim)) return false;
  if ((pv.spec?.volumeMode ?? 'Filesystem') !== (claim.spec?.volumeMode ?? 'Filesystem')) return false;
  const modes = new Set(pv.spec?.accessModes ?? []);
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.has(m))) return false;
  if (storageOf(pv.spec?.capacity) < storageOf(claim.spec?.resources?.requests)) return false;
  if (claim.spec?.selector) {
    try {
      if (!labelSelectorFromObject(claim.spec.selector).matches(pv.metadata?.labels)) return false;
    } catch {
      return false;
    }
  }
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (node && terms && !compileNodeSelector(terms)(nodeLabels(node), node.metadata!.name!)) return false;
  return true;
}

/** `findBestMatchForClaim`: a volume pre-bound to the claim, else the smallest available one that fits. */
export function findBestMatch(volumes: readonly PV[], claim: PVC, node: Node | undefined): PV | undefined {
  let best: PV | undefined;
  for (const pv of volumes) {
    const ref = pv.spec?.claimRef;
    const preBound = ref && ref.namespace === claim.metadata?.namespace && ref.name === claim.metadata?.name && (!ref.uid || ref.uid === claim.metadata?.uid);
    if (ref && !preBound) continue;
    if (claim.spec?.volumeName && claim.spec.volumeName !== pv.metadata?.name) continue;
    if (!volumeMatchesClaim(pv, claim, node)) continue;
    if (preBound) return pv;
    if (pv.status?.phase && pv.status.phase !== 'Available' && pv.status.phase !== 'Pending') continue;
    if (!best || storageOf(pv.spec?.capacity) < storageOf(best.spec?.capacity)) best = pv;
  }
  return best;
}

function bind(ctx: Ctx, pv: PV, claim: PVC): void {
  const ns = claim.metadata!.namespace!;
  const boundPv: PV = clone(pv);
  boundPv.spec = { ...boundPv.spec, claimRef: { kind: 'PersistentVolumeClaim', namespace: ns, name: claim.metadata!.name, uid: claim.metadata!.uid, apiVersion: 'v1', resourceVersion: claim.metadata!.resourceVersion } };
  if (!pv.spec?.claimRef?.uid) boundPv.metadata = { ...boundPv.metadata, annotations: { ...(boundPv.metadata?.annotations ?? {}), [BOUND_BY_CONTROLLER_ANNOTATION]: 'yes' } };
  ctx.client.update('persistentvolumes', boundPv, {
    onResponse: (res) => {
      if (res.code >= 300) return;
      const stored = res.body as PV;
      ctx.client.updateStatus('persistentvolumes', { ...stored, status: { ...(stored.status ?? {}), phase: 'Bound' } } as PV, {
        onResponse: (r2) => {
          if (r2.code >= 300) return;
          const c: PVC = clone(claim);
          c.spec = { ...c.spec, volumeName: pv.metadata!.name };
          const ann: Record<string, string> = { ...(c.metadata?.annotations ?? {}), [BIND_COMPLETED_ANNOTATION]: 'yes' };
          if (!claim.spec?.volumeName) ann[BOUND_BY_CONTROLLER_ANNOTATION] = 'yes';
          c.metadata = { ...c.metadata, annotations: ann };
          ctx.client.update('persistentvolumeclaims', c, {
            onResponse: (r3) => {
              if (r3.code >= 300) return;
              const storedClaim = r3.body as PVC;
              ctx.client.updateStatus('persistentvolumeclaims', {
                ...storedClaim,
                status: { phase: 'Bound', accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) } },
              } as PVC);
            },
          });
        },
      });
    },
  });
}

type NodeSelectorTerms = NonNullable<NonNullable<NonNullable<PV['spec']>['nodeAffinity']>['required']>['nodeSelectorTerms'];

/**
 * The node affinity of a provisioned volume, as a topology-aware CSI provisioner derives it (the
 * external-provisioner's requisite topology): with a selected node, the node's values of the keys
 * the class's `allowedTopologies` name (its zone, typically), or its hostname when the class has
 * none (a node-local volume); without one, the first segment `allowedTopologies` allows; none when
 * the class has no topology and no node was selected.
 */
export function provisionedNodeAffinity(sc: SC, node: Node | undefined, nodeName: string | undefined): NodeSelectorTerms | undefined {
  const allowed = sc.allowedTopologies ?? [];
  if (nodeName) {
    if (allowed.length === 0) return [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [nodeName] }] }];
    const labels = node?.metadata?.labels ?? {};
    const keys = [...new Set(allowed.flatMap((t) => (t.matchLabelExpressions ?? []).map((e) => e.key)))].sort();
    const exprs = keys.filter((k) => Object.hasOwn(labels, k)).map((k) => ({ key: k, operator: 'In' as const, values: [labels[k]!] }));
    return exprs.length > 0 ? [{ matchExpressions: exprs }] : undefined;
  }
  const first = allowed[0]?.matchLabelExpressions ?? [];
  if (first.length === 0) return undefined;
  return [{ matchExpressions: first.map((e) => ({ key: e.key, operator: 'In' as const, values: [e.values[0]!] })) }];
}

function provision(ctx: Ctx, claim: PVC, sc: SC, node: string | undefined): void {
  const ann = claim.metadata?.annotations ?? {};
  const name = `pvc-${claim.metadata!.uid}`;
  if (ann[STORAGE_PROVISIONER_ANNOTATION] !== sc.provisioner) {
    // setClaimProvisioner: an update of the claim (the persistent-volume-binder's role has no patch);
    // a conflict is no error, the claim's next event brings it back
    const annotated = clone(claim);
    annotated.metadata = { ...annotated.metadata, annotations: { ...ann, [STORAGE_PROVISIONER_ANNOTATION]: sc.provisioner, [BETA_STORAGE_PROVISIONER_ANNOTATION]: sc.provisioner } };
    ctx.client.update('persistentvolumeclaims', annotated, { ignore: [409] });
    ctx.recordEvent(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim.metadata!.namespace}/${claim.metadata!.name}"`);
  }
  const spec: Obj = {
    capacity: { storage: claim.spec?.resources?.requests?.['storage'] },
    accessModes: [...(claim.spec?.accessModes ?? [])],
    persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
    storageClassName: sc.metadata!.name,
    volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
    hostPath: { path: `/var/lib/kube-actors/volumes/${name}`, type: 'DirectoryOrCreate' },
    claimRef: { kind: 'PersistentVolumeClaim', namespace: claim.metadata!.namespace, name: claim.metadata!.name, uid: claim.metadata!.uid, apiVersion: 'v1' },
  };
  if (sc.mountOptions) spec.mountOptions = [...sc.mountOptions];
  const terms = provisionedNodeAffinity(sc, node ? ctx.get('nodes', node) : undefined, node);
  if (terms) spec.nodeAffinity = { required: { nodeSelectorTerms: terms } };
  const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, annotations: { [PROVISIONED_BY_ANNOTATION]: sc.provisioner } }, spec } as PV;
  ctx.client.create('persistentvolumes', undefined, pv, {
    ignore: [409],
    onResponse: (res) => {
      if (res.code < 300) ctx.recordEvent(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`);
    },
  });
}

function syncClaim(ctx: Ctx, key: string): void {
  const claim = ctx.get('claims', key);
  if (!claim || claim.metadata?.deletionTimestamp) return;
  const volumeName = claim.spec?.volumeName;
  const bound = claim.metadata?.annotations?.[BIND_COMPLETED_ANNOTATION] === 'yes';
  if (volumeName && bound) {
    const pv = ctx.get('volumes', volumeName);
    if (!pv) {
      if (claim.status?.phase !== 'Lost') {
        ctx.client.updateStatus('persistentvolumeclaims', { ...claim, status: { ...(claim.status ?? {}), phase: 'Lost' } } as PVC, { ignore: [404, 409] });
        ctx.recordEvent(claim, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      }
      return;
    }
    if (pv.spec?.claimRef?.uid === claim.metadata?.uid && claim.status?.phase !== 'Bound') {
      ctx.client.updateStatus('persistentvolumeclaims', { ...claim, status: { phase: 'Bound', accessModes: pv.spec?.accessModes, capacity: pv.spec?.capacity } } as PVC, { ignore: [404, 409] });
    }
    return;
  }
  const className = classOf(claim);
  const sc = className ? ctx.get('classes', className) : undefined;
  const waitForConsumer = sc?.volumeBindingMode === 'WaitForFirstConsumer';
  const selectedNode = claim.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
  if (waitForConsumer && !selectedNode) {
    ctx.recordEvent(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    return;
  }
  const node = selectedNode ? ctx.get('nodes', selectedNode) : undefined;
  // delayed binding: the scheduler chose between volumes and provisioning; only a volume it
  // pre-bound to the claim is bound here (`findMatchingVolume` skips the others when delayBinding)
  const candidates = waitForConsumer ? ctx.list('volumes').filter((pv) => pv.spec?.claimRef) : ctx.list('volumes');
  const match = findBestMatch(candidates, claim, node);
  if (match) {
    bind(ctx, match, claim);
    return;
  }
  if (sc && sc.provisioner && sc.provisioner !== NO_PROVISIONER) {
    provision(ctx, claim, sc, waitForConsumer ? selectedNode : undefined);
    return;
  }
  const why = className ? `storageclass.storage.k8s.io "${className}" not found` : 'no persistent volumes available for this claim and no storage class is set';
  ctx.recordEvent(claim, className && !sc ? 'Warning' : 'Normal', 'FailedBinding', why);
}

function setVolumePhase(ctx: Ctx, pv: PV, phase: string, message?: string): void {
  if (pv.status?.phase === phase) return;
  const status: Obj = { phase };
  if (message) status.message = message;
  ctx.client.updateStatus('persistentvolumes', { ...pv, status } as PV, { ignore: [404, 409] });
}

function syncVolume(ctx: Ctx, name: string): void {
  const pv = ctx.get('volumes', name);
  if (!pv) return;
  const ref = pv.spec?.claimRef;
  if (!ref) {
    setVolumePhase(ctx, pv, 'Available');
    return;
  }
  const claim = ctx.get('claims', `${ref.namespace}/${ref.name}`);
  if (!ref.uid) {
    // pre-bound by the user: the claim's sync binds it
    if (claim) ctx.enqueue(claimKey(claim));
    setVolumePhase(ctx, pv, 'Available');
    return;
  }
  if (!claim || claim.metadata?.uid !== ref.uid) {
    if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
      setVolumePhase(ctx, pv, 'Released');
      return;
    }
    if (pv.spec?.persistentVolumeReclaimPolicy === 'Delete' && !pv.metadata?.deletionTimestamp) {
      ctx.client.delete('persistentvolumes', undefined, name, { ignore: [404], uid: pv.metadata!.uid });
      ctx.recordEvent(pv, 'Normal', 'VolumeDelete', `Deleted volume ${name}`);
    }
    return;
  }
  if (claim.spec?.volumeName === name) setVolumePhase(ctx, pv, 'Bound');
  else if (!claim.spec?.volumeName) {
    ctx.enqueue(claimKey(claim));
  } else if (pv.metadata?.annotations?.[BOUND_BY_CONTROLLER_ANNOTATION] === 'yes') {
    // the claim went to another volume: unbind this one
    const copy: PV = clone(pv);
    delete copy.spec!.claimRef;
    ctx.client.update('persistentvolumes', copy, { ignore: [404, 409] });
  }
}

/** The PersistentVolume binder's machine. */
export const persistentVolumeBinder: ControllerMachine = defineController({
  name: PV_BINDER_CONTROLLER,
  component: 'persistentvolume-controller',
  watches: {
    claims: watch<PVC>({
      resource: 'persistentvolumeclaims',
      enqueue: ({ object }) => {
        const keys = [claimKey(object)];
        if (object.spec?.volumeName) keys.push(volumeKey(object.spec.volumeName));
        return keys;
      },
    }),
    volumes: watch<PV>({
      resource: 'persistentvolumes',
      enqueue: ({ object }) => {
        const keys = [volumeKey(object.metadata!.name!)];
        const ref = object.spec?.claimRef;
        if (ref?.name) keys.push(`claim:${ref.namespace}/${ref.name}`);
        return keys;
      },
    }),
    classes: watch<SC>({ resource: 'storageclasses', group: 'storage.k8s.io', enqueue: () => undefined }),
    nodes: watch<Node>({ resource: 'nodes', enqueue: () => undefined }),
  },
  resyncPeriod: 15_000,
  sync(key, ctx) {
    const c = ctx as unknown as Ctx;
    if (key.startsWith('claim:')) syncClaim(c, key.slice('claim:'.length));
    else if (key.startsWith('volume:')) syncVolume(c, key.slice('volume:'.length));
  },
});
