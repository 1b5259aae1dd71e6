/**
 * The NodeRestriction admission plugin (`plugin/pkg/admission/noderestriction`, kubeadm's
 * `--enable-admission-plugins=NodeRestriction`): what the Node authorizer lets a kubelet
 * (`system:node:<name>` in `system:nodes`) do by verb, this limits to its own node's objects:
 *
 * - pods: create only mirror pods (annotation `kubernetes.io/config.mirror`) bound to itself, with
 *   one controller owner reference to its Node (its uid, no blockOwnerDeletion) and no reference to
 *   a ServiceAccount, Secret, ConfigMap or claim; delete, evict and update the status only of pods
 *   bound to itself (no label change through status); any other pod subresource is refused;
 * - nodes: create, update and patch only its own Node, without a `configSource`, without changing
 *   its taints, and without setting or changing labels outside the kubelet's set
 *   (`node-restriction.kubernetes.io/` never; other `kubernetes.io`/`k8s.io` labels only
 *   `kubernetes.io/hostname`, `kubernetes.io/os`/`arch`, the topology, instance-type and
 *   windows-build labels and the `kubelet.kubernetes.io`/`node.kubernetes.io` namespaces);
 * - claims: only the status, and in it only capacity, conditions and the allocated resources;
 * - leases: only in `kube-node-lease`, named as the node; csinodes: named as the node.
 *
 * Not done: a TokenRequest must be bound to a pod on the node (`node requested token not bound to
 * a pod`) — the simulated TokenRequest API refuses `boundObjectRef`, so the kubelet's requests
 * are not bound; ResourceSlices and CertificateSigningRequests are not served.
 */
import { deepEqual, isObject } from '../../src/api/json-values.js';
import type { KubeObject } from '../../src/api/types.js';
import { podSecretNames, podConfigMapNames } from './node-graph.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** `kubetypes.ConfigMirrorAnnotationKey`. */
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
/** `api.NamespaceNodeLease`. */
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** `v1.LabelNamespaceNodeRestriction`. */
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';
/** `kubeletapis`' kubelet labels. */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname', 'topology.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region', 'beta.kubernetes.io/instance-type', 'node.kubernetes.io/instance-type', 'kubernetes.io/os',
  'kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/arch', 'node.kubernetes.io/windows-build',
]);
/** `kubeletapis`' kubelet label namespaces. */
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/** A request as the plugin sees it. */
export interface NodeRestrictionAttributes {
  readonly operation: 'create' | 'update' | 'delete';
  readonly resource: string;
  readonly group: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** The new object (create, update). */
  readonly object?: KubeObject;
  /** The stored object (update, delete; the evicted pod). */
  readonly old?: KubeObject;
  /** The node's Node object, to check a mirror pod's owner uid. */
  readonly nodeObject?: (name: string) => KubeObject | undefined;
}

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const inNamespace = (ns: string, suffix: string) => ns === suffix || ns.endsWith(`.${suffix}`);

/** `IsKubeletLabel`. */
function isKubeletLabel(key: string): boolean {
  if (KUBELET_LABELS.has(key)) return true;
  const ns = labelNamespace(key);
  return KUBELET_LABEL_NAMESPACES.some((allowed) => inNamespace(ns, allowed));
}

/** `getForbiddenLabels` of `getModifiedLabels(a, b)`, sorted. */
function forbiddenLabels(a: Obj | undefined, b: Obj | undefined): string[] {
  const modified = new Set<string>();
  for (const [k, v] of Object.entries(a ?? {})) if (b?.[k] !== v) modified.add(k);
  for (const [k, v] of Object.entries(b ?? {})) if (a?.[k] !== v) modified.add(k);
  const out: string[] = [];
  for (const label of modified) {
    const ns = labelNamespace(label);
    const kube = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
    if (inNamespace(ns, NODE_RESTRICTION_LABEL_NAMESPACE) || (kube && !isKubeletLabel(label))) out.push(label);
  }
  return out.sort();
}

/**
 * `Admit` for a node user (`node` is its name; '' when the user name gives none).
 * @returns the Forbidden reason, or undefined when the request may go on.
 */
export function admitNodeRestriction(node: string, user: string, a: NodeRestrictionAttributes): string | undefined {
  if (node === '') return `could not determine node from user ${JSON.stringify(user)}`;
  if (a.group === '' && a.resource === 'pods') {
    switch (a.subresource ?? '') {
      case '':
        if (a.operation === 'create') return admitPodCreate(node, a);
        if (a.operation === 'delete') return a.old && (a.old as Obj).spec?.nodeName !== node ? `node ${JSON.stringify(node)} can only delete pods with spec.nodeName set to itself` : undefined;
        return `unexpected operation ${JSON.stringify(operationName(a.operation))}, node ${JSON.stringify(node)} can only create and delete mirror pods`;
      case 'status':
        if (a.operation !== 'update') return `unexpected operation ${JSON.stringify(operationName(a.operation))}`;
        if ((a.old as Obj | undefined)?.spec?.nodeName !== node) return `node ${JSON.stringify(node)} can only update pod status for pods with spec.nodeName set to itself`;
        if (!deepEqual((a.old as Obj).metadata?.labels ?? {}, (a.object as Obj | undefined)?.metadata?.labels ?? {})) return `node ${JSON.stringify(node)} cannot update labels through pod status`;
        return undefined;
      case 'eviction':
        return a.old && (a.old as Obj).spec?.nodeName !== node ? `node ${node} can only evict pods with spec.nodeName set to itself` : undefined;
      default:
        return `unexpected pod subresource ${JSON.stringify(a.subresource)}, only 'status' and 'eviction' are allowed`;
    }
  }
  if (a.group === '' && a.resource === 'nodes') return admitNode(node, a);
  if (a.group === '' && a.resource === 'persistentvolumeclaims') {
    if (a.subresource !== 'status') return 'may only update PVC status';
    if (a.operation !== 'update') return `unexpected operation ${JSON.stringify(operationName(a.operation))}`;
    const strip = (o: KubeObject | undefined): Obj => {
      const c = structuredClone((o ?? {}) as Obj);
      if (c.metadata) {
        delete c.metadata.resourceVersion;
        delete c.metadata.managedFields;
      }
      if (c.status) for (const k of ['capacity', 'conditions', 'allocatedResourceStatuses', 'allocatedResources']) delete c.status[k];
      return c;
    };
    return deepEqual(strip(a.old), strip(a.object)) ? undefined : `node ${JSON.stringify(node)} is not allowed to update fields other than status.quantity and status.conditions`;
  }
  if (a.group === 'coordination.k8s.io' && a.resource === 'leases') {
    if (a.namespace !== NODE_LEASE_NAMESPACE) return `can only access leases in the ${JSON.stringify(NODE_LEASE_NAMESPACE)} system namespace`;
    const name = a.operation === 'create' ? a.object?.metadata?.name : a.name;
    return name !== node ? 'can only access node lease with the same name as the requesting node' : undefined;
  }
  if (a.group === 'storage.k8s.io' && a.resource === 'csinodes') {
    const name = a.operation === 'create' ? a.object?.metadata?.name : a.name;
    return name !== node ? 'can only access CSINode with the same name as the requesting node' : undefined;
  }
  return undefined;
}

/** Go's `admission.Operation` names. */
function operationName(op: NodeRestrictionAttributes['operation']): string {
  return op.toUpperCase();
}

/** `admitPodCreate`: only a mirror pod of itself that references nothing. */
function admitPodCreate(node: string, a: NodeRestrictionAttributes): string | undefined {
  const pod = (a.object ?? {}) as Obj;
  const q = JSON.stringify(node);
  if (pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) return `pod does not have ${JSON.stringify(MIRROR_POD_ANNOTATION)} annotation, node ${q} can only create mirror pods`;
  if (pod.spec?.nodeName !== node) return `node ${q} can only create pods with spec.nodeName set to itself`;
  const owners: Obj[] = Array.isArray(pod.metadata?.ownerReferences) ? pod.metadata.ownerReferences : [];
  if (owners.length > 1) return `node ${q} can only create pods with a single owner reference set to itself`;
  if (owners.length === 0) return `node ${q} can only create pods with an owner reference set to itself`;
  const owner = owners[0]!;
  if (owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) return `node ${q} can only create pods with an owner reference set to itself`;
  if (owner.controller !== true) return `node ${q} can only create pods with a controller owner reference set to itself`;
  if (owner.blockOwnerDeletion === true) return `node ${q} must not set blockOwnerDeletion on an owner reference`;
  const nodeObject = a.nodeObject?.(node);
  if (!nodeObject) return `nodes ${q} not found`;
  if (owner.uid !== nodeObject.metadata?.uid) return `node ${node} UID mismatch: expected ${String(owner.uid ?? '')} got ${String(nodeObject.metadata?.uid ?? '')}`;
  const spec: Obj = isObj(pod.spec) ? pod.spec : {};
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '') return `node ${q} can not create pods that reference a service account`;
  if (podSecretNames(spec).length > 0) return `node ${q} can not create pods that reference secrets`;
  if (podConfigMapNames(spec).length > 0) return `node ${q} can not create pods that reference configmaps`;
  const volumes: Obj[] = Array.isArray(spec.volumes) ? spec.volumes.filter(isObj) : [];
  if (volumes.some((v) => isObj(v.projected) && Array.isArray(v.projected.sources) && v.projected.sources.some((s: unknown) => isObj(s) && isObj(s.clusterTrustBundle)))) return `node ${q} can not create pods that reference clustertrustbundles`;
  if (volumes.some((v) => isObj(v.persistentVolumeClaim))) return `node ${q} can not create pods that reference persistentvolumeclaims`;
  return undefined;
}

/** `admitNode`. */
function admitNode(node: string, a: NodeRestrictionAttributes): string | undefined {
  const requested = a.operation === 'create' ? String(a.object?.metadata?.name ?? '') : String(a.name ?? '');
  const q = JSON.stringify(node);
  if (requested !== node) return `node ${q} is not allowed to modify node ${JSON.stringify(requested)}`;
  const next = (a.object ?? {}) as Obj;
  if (a.operation === 'create') {
    if (next.spec?.configSource !== undefined && next.spec?.configSource !== null) return `node ${q} is not allowed to create pods with a non-nil configSource`;
    const bad = forbiddenLabels(next.metadata?.labels, undefined);
    if (bad.length > 0) return `node ${q} is not allowed to set the following labels: ${bad.join(', ')}`;
  }
  if (a.operation === 'update') {
    const old = (a.old ?? {}) as Obj;
    if (next.spec?.configSource !== undefined && next.spec?.configSource !== null && !deepEqual(next.spec.configSource, old.spec?.configSource)) return `node ${q} is not allowed to update configSource to a new non-nil configSource`;
    const taints = (o: Obj) => (Array.isArray(o.spec?.taints) && o.spec.taints.length > 0 ? o.spec.taints : undefined);
    if (!deepEqual(taints(next), taints(old))) return `node ${q} is not allowed to modify taints`;
    const bad = forbiddenLabels(next.metadata?.labels, old.metadata?.labels);
    if (bad.length > 0) return `is not allowed to modify labels: ${bad.join(', ')}`;
  }
  return undefined;
}
