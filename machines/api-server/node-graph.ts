/**
 * The Node authorizer's graph (`plugin/pkg/auth/authorizer/node/graph.go`, kept current as
 * `graph_populator.go` keeps it from informers): which objects a node may reach because a pod
 * bound to it uses them. Edges, as kube draws them:
 *
 * - pod → node, for a pod with `spec.nodeName` (a mirror pod: that edge only);
 * - secret, configmap, serviceaccount, persistentvolumeclaim → pod, for what the pod references
 *   (`VisitPodSecretNames` and `VisitPodConfigmapNames` over every container, its ServiceAccount,
 *   its claims and ephemeral volumes' claims `<pod>-<volume>`);
 * - persistentvolume → persistentvolumeclaim (its `claimRef`), secret → persistentvolume (the
 *   secrets a kubelet reads for it);
 * - volumeattachment → node.
 *
 * Kept incrementally from the API server's own watch cache (every change of a pod, volume or
 * attachment adds or removes that object's edges), so a decision is a few map lookups: each
 * referenced object keeps, per node, how many pods on that node reference it (the
 * `destinationEdgeIndex`). A pod update changes the graph only when its node or uid changes (the
 * references of a pod spec are immutable), as `updatePod` does.
 */
import { isObject } from '../../src/api/json-values.js';
import type { KubeObject } from '../../src/api/types.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;
const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as unknown[]).filter(isObj) : []);

/** The vertex types a node reaches through its pods. */
export type ReferencedType = 'secret' | 'configmap' | 'serviceaccount' | 'persistentvolumeclaim';

/** `kubetypes.ConfigMirrorAnnotationKey`. */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** The volume kinds whose `secretRef` names a Secret (`VisitPodSecretNames`). */
const SECRET_REF_VOLUMES = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'];

/** `podutil.VisitPodSecretNames` with `AllContainers`: every Secret name a pod spec references. */
export function podSecretNames(spec: Obj): string[] {
  const out: string[] = [];
  for (const ref of list(spec.imagePullSecrets)) out.push(String(ref.name ?? ''));
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.envFrom)) if (isObj(e.secretRef)) out.push(String(e.secretRef.name ?? ''));
    for (const e of list(c.env)) if (isObj(e.valueFrom?.secretKeyRef)) out.push(String(e.valueFrom.secretKeyRef.name ?? ''));
  }
  for (const v of list(spec.volumes)) {
    if (isObj(v.azureFile)) out.push(String(v.azureFile.secretName ?? ''));
    for (const k of SECRET_REF_VOLUMES) if (isObj(v[k]) && isObj(v[k].secretRef)) out.push(String(v[k].secretRef.name ?? ''));
    if (isObj(v.projected)) for (const s of list(v.projected.sources)) if (isObj(s.secret)) out.push(String(s.secret.name ?? ''));
    if (isObj(v.secret)) out.push(String(v.secret.secretName ?? ''));
    if (isObj(v.csi) && isObj(v.csi.nodePublishSecretRef)) out.push(String(v.csi.nodePublishSecretRef.name ?? ''));
  }
  return out;
}

/** `podutil.VisitPodConfigmapNames` with `AllContainers`: every ConfigMap name a pod spec references. */
export function podConfigMapNames(spec: Obj): string[] {
  const out: string[] = [];
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) {
    for (const e of list(c.envFrom)) if (isObj(e.configMapRef)) out.push(String(e.configMapRef.name ?? ''));
    for (const e of list(c.env)) if (isObj(e.valueFrom?.configMapKeyRef)) out.push(String(e.valueFrom.configMapKeyRef.name ?? ''));
  }
  for (const v of list(spec.volumes)) {
    if (isObj(v.projected)) for (const s of list(v.projected.sources)) if (isObj(s.configMap)) out.push(String(s.configMap.name ?? ''));
    if (isObj(v.configMap)) out.push(String(v.configMap.name ?? ''));
  }
  return out;
}

/** `pvutil.VisitPVSecretNames`, the secrets a kubelet reads for a volume (`kubeletVisible`), as namespace/name. */
function volumeSecretKeys(pv: Obj): string[] {
  const spec: Obj = isObj(pv.spec) ? pv.spec : {};
  const claimNs = String(spec.claimRef?.namespace ?? '');
  const out: string[] = [];
  const ref = (r: unknown) => {
    if (isObj(r) && r.name) out.push(`${String(r.namespace || claimNs)}/${String(r.name)}`);
  };
  if (isObj(spec.azureFile) && spec.azureFile.secretName) out.push(`${String(spec.azureFile.secretNamespace || claimNs)}/${String(spec.azureFile.secretName)}`);
  for (const k of SECRET_REF_VOLUMES) if (isObj(spec[k])) ref(spec[k].secretRef);
  if (isObj(spec.csi)) for (const k of ['nodePublishSecretRef', 'nodeStageSecretRef', 'nodeExpandSecretRef']) ref(spec.csi[k]);
  return out;
}

interface PodVertex {
  node: string;
  uid: string;
  /** `type:namespace/name` of what it references (none for a mirror pod). */
  refs: string[];
}

/** The graph of one API server. */
export class NodeGraph {
  /** Pods bound to a node, by namespace/name. */
  private readonly pods = new Map<string, PodVertex>();
  /** Per referenced vertex (`type:namespace/name`), per node, how many pods on it reference it. */
  private readonly reach = new Map<string, Map<string, number>>();
  /** Volumes with a claimRef: name → the claim (namespace/name) and its kubelet-visible secrets. */
  private readonly volumes = new Map<string, { claim: string; secrets: string[] }>();
  /** Secret (namespace/name) → the volumes that name it. */
  private readonly volumeSecrets = new Map<string, Set<string>>();
  /** Volume attachments: name → node. */
  private readonly attachments = new Map<string, string>();
  /** Per node, how many pods and attachments point at it (a node vertex exists while this is positive). */
  private readonly nodes = new Map<string, number>();

  /** Forgets everything (the cache is loaded again). */
  clear(): void {
    this.pods.clear();
    this.reach.clear();
    this.volumes.clear();
    this.volumeSecrets.clear();
    this.attachments.clear();
    this.nodes.clear();
  }

  /** Applies one object of a watched resource (`deleted`: it is gone). */
  apply(resource: string, group: string, object: KubeObject, deleted: boolean): void {
    const o = object as Obj;
    const ns = String(o.metadata?.namespace ?? '');
    const name = String(o.metadata?.name ?? '');
    if (group === '' && resource === 'pods') this.applyPod(`${ns}/${name}`, deleted ? undefined : o);
    else if (group === '' && resource === 'persistentvolumes') this.applyVolume(name, deleted ? undefined : o);
    else if (group === 'storage.k8s.io' && resource === 'volumeattachments') this.applyAttachment(name, deleted ? undefined : o);
  }

  /** `hasPathFrom`: whether a pod bound to `node` reaches the object (for a pod: whether it is bound there). */
  hasPath(node: string, type: ReferencedType | 'pod' | 'persistentvolume' | 'volumeattachment', namespace: string, name: string): boolean {
    if ((this.nodes.get(node) ?? 0) <= 0) return false;
    switch (type) {
      case 'pod':
        return this.pods.get(`${namespace}/${name}`)?.node === node;
      case 'volumeattachment':
        return this.attachments.get(name) === node;
      case 'persistentvolume': {
        const claim = this.volumes.get(name)?.claim;
        return claim !== undefined && this.reaches(node, `persistentvolumeclaim:${claim}`);
      }
      case 'secret':
        if (this.reaches(node, `secret:${namespace}/${name}`)) return true;
        for (const pv of this.volumeSecrets.get(`${namespace}/${name}`) ?? []) if (this.hasPath(node, 'persistentvolume', '', pv)) return true;
        return false;
      default:
        return this.reaches(node, `${type}:${namespace}/${name}`);
    }
  }

  /** Whether the graph has a vertex for the node (a pod or attachment points at it). */
  knowsNode(node: string): boolean {
    return (this.nodes.get(node) ?? 0) > 0;
  }

  private reaches(node: string, vertex: string): boolean {
    return (this.reach.get(vertex)?.get(node) ?? 0) > 0;
  }

  private countNode(node: string, by: number): void {
    const n = (this.nodes.get(node) ?? 0) + by;
    if (n > 0) this.nodes.set(node, n);
    else this.nodes.delete(node);
  }

  private applyPod(key: string, pod: Obj | undefined): void {
    const before = this.pods.get(key);
    const node = pod ? String(pod.spec?.nodeName ?? '') : '';
    if (pod && node === '' && !before) return; // not scheduled: not in the graph
    const uid = String(pod?.metadata?.uid ?? '');
    if (before && pod && before.node === node && before.uid === uid) return; // updatePod: node and uid unchanged
    if (before) this.removePod(key, before);
    if (!pod || node === '') return;
    const ns = key.slice(0, key.indexOf('/'));
    const spec: Obj = isObj(pod.spec) ? pod.spec : {};
    const refs: string[] = [];
    if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
      if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') refs.push(`serviceaccount:${ns}/${spec.serviceAccountName}`);
      for (const s of podSecretNames(spec)) refs.push(`secret:${ns}/${s}`);
      for (const c of podConfigMapNames(spec)) refs.push(`configmap:${ns}/${c}`);
      for (const v of list(spec.volumes)) {
        if (isObj(v.persistentVolumeClaim)) refs.push(`persistentvolumeclaim:${ns}/${String(v.persistentVolumeClaim.claimName ?? '')}`);
        else if (isObj(v.ephemeral)) refs.push(`persistentvolumeclaim:${ns}/${String(pod.metadata?.name ?? '')}-${String(v.name ?? '')}`);
      }
    }
    const vertex: PodVertex = { node, uid, refs: [...new Set(refs)] };
    this.pods.set(key, vertex);
    this.countNode(node, 1);
    for (const r of vertex.refs) {
      const perNode = this.reach.get(r) ?? new Map<string, number>();
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
      this.reach.set(r, perNode);
    }
  }

  private removePod(key: string, vertex: PodVertex): void {
    this.pods.delete(key);
    this.countNode(vertex.node, -1);
    for (const r of vertex.refs) {
      const perNode = this.reach.get(r);
      if (!perNode) continue;
      const n = (perNode.get(vertex.node) ?? 0) - 1;
      if (n > 0) perNode.set(vertex.node, n);
      else perNode.delete(vertex.node);
      if (perNode.size === 0) this.reach.delete(r);
    }
  }

  private applyVolume(name: string, pv: Obj | undefined): void {
    const before = this.volumes.get(name);
    if (before) {
      this.volumes.delete(name);
      for (const s of before.secrets) {
        const set = this.volumeSecrets.get(s);
        set?.delete(name);
        if (set?.size === 0) this.volumeSecrets.delete(s);
      }
    }
    const ref: unknown = pv?.spec?.claimRef;
    if (!pv || !isObj(ref)) return;
    const entry = { claim: `${String(ref.namespace ?? '')}/${String(ref.name ?? '')}`, secrets: volumeSecretKeys(pv) };
    this.volumes.set(name, entry);
    for (const s of entry.secrets) {
      const set = this.volumeSecrets.get(s) ?? new Set<string>();
      set.add(name);
      this.volumeSecrets.set(s, set);
    }
  }

  private applyAttachment(name: string, va: Obj | undefined): void {
    const before = this.attachments.get(name);
    if (before !== undefined) {
      this.attachments.delete(name);
      this.countNode(before, -1);
    }
    const node = va ? String(va.spec?.nodeName ?? '') : '';
    if (!va || node === '') return;
    this.attachments.set(name, node);
    this.countNode(node, 1);
  }
}
