/** Builders for the scheduler tests. */
import type { KubeObject, Namespace, Node, Pod, Taint, Toleration } from '../../../src/api/types.js';
import { createCycleState, type CycleState, type FilterPlugin } from '../../../machines/scheduler/framework.js';
import { NodeInfo, podResourceRecord } from '../../../machines/scheduler/node-info.js';
import type { HintContext, QueueingHint, QueueingHintFn } from '../../../machines/scheduler/events.js';
import { SchedulerCache } from '../../../machines/scheduler/cache.js';
import type { SchedulerListers, Snapshot } from '../../../machines/scheduler/snapshot.js';
import { createVolumeListers, type VolumeListers } from '../../../machines/scheduler/volume-listers.js';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '../../../src/api/types.js';

/** Options of {@link makeNode}. */
export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: string | number;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
}

/** A node with allocatable resources (default 4 cpu, 8Gi, 110 pods). */
export function makeNode(name: string, spec: NodeSpec = {}): Node {
  const allocatable: Record<string, string> = {
    cpu: spec.cpu ?? '4',
    memory: spec.memory ?? '8Gi',
    pods: String(spec.pods ?? 110),
  };
  if (spec.ephemeralStorage) allocatable['ephemeral-storage'] = spec.ephemeralStorage;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...spec.labels } },
    spec: { taints: spec.taints, unschedulable: spec.unschedulable },
    status: { allocatable, capacity: allocatable },
  };
}

/** Options of {@link makePod}. */
export interface PodSpecOptions {
  cpu?: string;
  memory?: string;
  ephemeralStorage?: string;
  nodeName?: string;
  namespace?: string;
  tolerations?: Toleration[];
  nodeSelector?: Record<string, string>;
  affinity?: NonNullable<Pod['spec']>['affinity'];
  priority?: number;
  preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  phase?: NonNullable<Pod['status']>['phase'];
  nominatedNodeName?: string;
  labels?: Record<string, string>;
}

/** A one-container pod with the given requests (none when omitted). */
export function makePod(name: string, o: PodSpecOptions = {}): Pod {
  const requests: Record<string, string> = {};
  if (o.cpu) requests['cpu'] = o.cpu;
  if (o.memory) requests['memory'] = o.memory;
  if (o.ephemeralStorage) requests['ephemeral-storage'] = o.ephemeralStorage;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: o.namespace ?? 'default', ...(o.labels ? { labels: o.labels } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: Object.keys(requests).length ? { requests } : {} }],
      nodeName: o.nodeName,
      tolerations: o.tolerations,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      priority: o.priority,
      preemptionPolicy: o.preemptionPolicy,
    },
    status: { phase: o.phase ?? 'Pending', nominatedNodeName: o.nominatedNodeName },
  };
}

/** A NodeInfo holding the node and the given pods. */
export function nodeInfo(node: Node, pods: Pod[] = []): NodeInfo {
  const ni = new NodeInfo(node.metadata!.name!, node);
  for (const p of pods) ni.addPod(podResourceRecord(p));
  return ni;
}

/** The CycleState of a pod. */
export function stateOf(pod: Pod): CycleState {
  return createCycleState(pod);
}

/** A deterministic stand-in for the kernel's generator: always draws the given sequence, cycling. */
export function scriptedRng(values: number[]): { int(max: number): number; draws: number[] } {
  let i = 0;
  const draws: number[] = [];
  return {
    draws,
    int(max: number) {
      draws.push(max);
      const v = values[i++ % values.length]!;
      return Math.min(v, max - 1);
    },
  };
}

/** A cache holding the nodes and the (assigned) pods, and listers over the given objects. */
export function clusterOf(
  nodes: Node[],
  pods: Pod[] = [],
  objects: {
    namespaces?: Namespace[];
    services?: KubeObject[];
    replicasets?: KubeObject[];
    statefulsets?: KubeObject[];
    claims?: PersistentVolumeClaim[];
    volumes?: PersistentVolume[];
    classes?: StorageClass[];
  } = {},
): {
  cache: SchedulerCache;
  listers: SchedulerListers & { volumes: VolumeListers };
  snapshot: Snapshot;
  state(pod: Pod): CycleState;
  /** The storage informers' stores, for tests that play the API server's part. */
  stores: { claims: Map<string, PersistentVolumeClaim>; volumes: Map<string, PersistentVolume> };
} {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addNode(n);
  for (const p of pods) cache.addPod(p);
  const byResource: Record<string, KubeObject[]> = {
    namespaces: objects.namespaces ?? [],
    services: objects.services ?? [],
    replicasets: objects.replicasets ?? [],
    statefulsets: objects.statefulsets ?? [],
  };
  const claims = new Map((objects.claims ?? []).map((c) => [`${c.metadata?.namespace ?? 'default'}/${c.metadata!.name}`, c]));
  const volumes = new Map((objects.volumes ?? []).map((v) => [v.metadata!.name!, v]));
  const classes = new Map((objects.classes ?? []).map((c) => [c.metadata!.name!, c]));
  const listers: SchedulerListers & { volumes: VolumeListers } = {
    volumes: createVolumeListers(() => ({ claims, volumes, classes })),
    namespace: (name) => (objects.namespaces ?? []).find((n) => n.metadata?.name === name),
    namespaces: () => objects.namespaces ?? [],
    list: (resource, ns) => (byResource[resource] ?? []).filter((o) => o.metadata?.namespace === ns) as never,
    get: (resource, ns, name) => (byResource[resource] ?? []).find((o) => o.metadata?.namespace === ns && o.metadata?.name === name) as never,
  };
  const snapshot = cache.snapshot(listers);
  return { cache, listers, snapshot, state: (pod) => createCycleState(pod, snapshot), stores: { claims, volumes } };
}

/** A namespace with labels. */
export function makeNamespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The plugin's registration for a resource (Node or Pod), its action types and its hint (Queue when it has none). */
export function registration(
  plugin: FilterPlugin,
  resource: 'Node' | 'Pod',
): { actionType: number; hint: (pod: Pod, oldObj: Pod | Node | undefined, newObj: Pod | Node | undefined, context?: HintContext) => QueueingHint } {
  const entry = plugin.events?.find((e) => e.event.resource === resource);
  if (!entry) throw new Error(`${plugin.name} registers no ${resource} event`);
  const fn = entry.hint as QueueingHintFn<KubeObject> | undefined;
  return { actionType: entry.event.actionType, hint: (pod, o, n, context = {}) => (fn ? fn(pod, o, n, context) : 'Queue') };
}
