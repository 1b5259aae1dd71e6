/**
 * What a scheduling cycle sees of the cluster beyond the node it filters (kube-scheduler's
 * `framework.SharedLister` and the informers' listers the plugins hold): every node, the pods on
 * them, the pods with inter-pod affinity, namespaces' labels, and the Services, ReplicaSets and
 * StatefulSets that select a pod (PodTopologySpread's default constraints).
 */
import type { Namespace, Pod } from '../../src/api/types.js';
import { everything, selectorFromRequirements, selectorFromSet, type LabelSelectorMatcher, type Labels } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import type { NodeInfo } from './node-info.js';
import type { VolumeListers } from './volume-listers.js';

/** A pod the snapshot counts on a node. */
export interface SnapshotPod {
  /** The pod object last seen (or assumed). */
  readonly pod: Pod;
  /** The node it is counted on. */
  readonly nodeName: string;
}

/** The objects besides nodes and pods that plugins read (the scheduler's informers). */
export interface SchedulerListers {
  /** A namespace by name. */
  namespace(name: string): Namespace | undefined;
  /** Every namespace. */
  namespaces(): Iterable<Namespace>;
  /** The objects of a namespaced resource (`services`, `replicasets`, `statefulsets`, `replicationcontrollers`) in a namespace. */
  list(resource: string, namespace: string): Iterable<{ metadata?: { name?: string }; spec?: unknown }>;
  /** One object of such a resource. */
  get(resource: string, namespace: string, name: string): { spec?: unknown } | undefined;
  /** Claims, volumes, classes and the volume binder's assume caches (the volume plugins); absent without storage. */
  readonly volumes?: VolumeListers;
}

/** The cluster as one scheduling cycle sees it. */
export interface Snapshot {
  /** The schedulable nodes (with a node object), in the cache's order. */
  readonly nodes: readonly NodeInfo[];
  /** A schedulable node by name. */
  nodeInfo(name: string): NodeInfo | undefined;
  /** A pod counted on a node, by `namespace/name`. */
  pod(key: string): SnapshotPod | undefined;
  /** Keys of the pods on nodes that have `podAffinity` or `podAntiAffinity` (`HavePodsWithAffinityList`). */
  readonly affinityPods: ReadonlySet<string>;
  /** How many of `nodes` report `status.images` (ImageLocality has nothing to do while none does). */
  readonly nodesWithImages: number;
  /** The listers; undefined when the scheduler runs without them (tests). */
  readonly listers: SchedulerListers | undefined;
}

/** A snapshot without nodes, pods or listers. */
export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({
  nodes: Object.freeze([]),
  nodeInfo: () => undefined,
  pod: () => undefined,
  affinityPods: new Set<string>(),
  nodesWithImages: 0,
  listers: undefined,
});

/** The labels of a namespace (`GetNamespaceLabelsSnapshot`); undefined when it is unknown. */
export function namespaceLabels(snapshot: Snapshot, namespace: string): Labels | undefined {
  const ns = snapshot.listers?.namespace(namespace);
  return ns ? ((ns.metadata?.labels) ?? {}) : undefined;
}

/** The names of the namespaces whose labels a selector matches (`nsLister.List(selector)`), sorted. */
export function namespacesMatching(snapshot: Snapshot, selector: LabelSelectorMatcher): string[] {
  const out: string[] = [];
  for (const ns of snapshot.listers?.namespaces() ?? []) {
    if (selector.matches(ns.metadata?.labels)) out.push(ns.metadata?.name ?? '');
  }
  return out.sort();
}

interface OwnerRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

/**
 * `helper.DefaultSelector`: the union of the selectors of the Services that select the pod, and of
 * its controller when that is a ReplicationController, ReplicaSet or StatefulSet. Empty
 * (`isEverything`) when nothing selects the pod.
 */
export function defaultSelector(snapshot: Snapshot, pod: Pod): LabelSelectorMatcher {
  const listers = snapshot.listers;
  if (!listers) return everything();
  const ns = pod.metadata?.namespace ?? 'default';
  const podLabels = (pod.metadata?.labels) ?? {};
  const set: Record<string, string> = {};
  for (const svc of listers.list('services', ns)) {
    const sel = (svc.spec as { selector?: Record<string, string> } | undefined)?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (selectorFromSet(sel).matches(podLabels)) Object.assign(set, sel);
  }
  let requirements = [...selectorFromSet(set).requirements];
  const owner = ((pod.metadata?.ownerReferences ?? []) as OwnerRef[]).find((o) => o.controller === true);
  if (owner?.name) {
    const gk = `${owner.apiVersion}/${owner.kind}`;
    if (gk === 'v1/ReplicationController') {
      const rc = listers.get('replicationcontrollers', ns, owner.name);
      const sel = (rc?.spec as { selector?: Record<string, string> } | undefined)?.selector;
      if (sel) requirements = [...selectorFromSet({ ...set, ...sel }).requirements];
    } else if (gk === 'apps/v1/ReplicaSet' || gk === 'apps/v1/StatefulSet') {
      const obj = listers.get(owner.kind === 'ReplicaSet' ? 'replicasets' : 'statefulsets', ns, owner.name);
      const sel = (obj?.spec as { selector?: unknown } | undefined)?.selector;
      if (sel) requirements.push(...labelSelectorFromObject(sel).requirements);
    }
  }
  return selectorFromRequirements(requirements);
}
