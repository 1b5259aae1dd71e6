/**
 * The documented flows of the architecture document, run on a fresh 3-node cluster and recorded:
 * create pod (steps 1 to 9), get pods, delete pod. Each returns the messages of its flow, in the
 * order they happened, as the trace recorded them.
 */
import type { Pod } from '../api/types.js';
import type { TraceEntry } from '../kernel/trace.js';
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import { flowLabel } from '../cluster/client.js';

/** The names of the documented flows. */
export const FLOW_NAMES = ['create-pod', 'get-pods', 'delete-pod'] as const;

/** A documented flow's name. */
export type FlowName = (typeof FLOW_NAMES)[number];

/** A recorded flow. */
export interface FlowRecording {
  name: FlowName;
  seed: number;
  /** The messages of the flow, in order. */
  entries: TraceEntry[];
  /** The flows (requests) the recording follows. */
  flows: string[];
  /** The cluster it ran on (still usable). */
  cluster: Cluster;
}

/** The pod the flows create: nginx, as in the Kubernetes documentation. */
export const NGINX_POD: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'nginx', namespace: 'default', labels: { app: 'nginx' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
};

const phaseOf = (cluster: Cluster, name: string): string | undefined => (cluster.object<Pod>('pods', name)?.status?.phase);

/** Starts a cluster and waits until its nodes are registered and idle. */
function readyCluster(seed: number, options: ClusterOptions): Cluster {
  const cluster = createCluster({ nodes: 3, seed, ...options });
  const ok = cluster.runUntil(() => cluster.count('nodes') === cluster.nodes.length && cluster.count('leases', 'kube-node-lease') === cluster.nodes.length, { timeout: 60_000 });
  if (!ok) throw new Error(`the cluster's nodes did not register within 60 s of simulated time (seed ${seed})`);
  cluster.advance(3_000);
  return cluster;
}

function collect(cluster: Cluster, flows: string[], fromSeq: number): TraceEntry[] {
  const wanted = new Set(flows);
  return cluster.kernel.trace.since(fromSeq).filter((e) => e.flow !== undefined && wanted.has(e.flow));
}

/**
 * Create pod: `kubectl create -f nginx.yaml` and `kubectl get pod nginx -w` until it runs. The
 * create is answered as soon as etcd holds the pod (as real Kubernetes does); step 9, "the user
 * learns the pod is running", is the watch event that reaches kubectl.
 */
export function recordCreatePod(seed = 1, options: ClusterOptions = {}): FlowRecording {
  const cluster = readyCluster(seed, options);
  const start = cluster.kernel.trace.total;
  let running = false;
  const watch = cluster.client.watch('pods', { namespace: 'default', fieldSelector: 'metadata.name=nginx' }, (event) => {
    if (event.type === 'watch.modified' || event.type === 'watch.added') {
      if ((event.object as Pod).status?.phase === 'Running') running = true;
    }
  });
  const watchFlow = flowLabel({ verb: 'watch', resource: 'pods', namespace: 'default', query: {} });
  cluster.runUntilIdle();
  cluster.client.create(NGINX_POD);
  const createFlow = flowLabel({ verb: 'create', resource: 'pods', namespace: 'default', body: NGINX_POD });
  if (!cluster.runUntil(() => running, { timeout: 120_000 })) {
    throw new Error(`nginx did not reach Running within 120 s of simulated time (phase ${phaseOf(cluster, 'nginx')}, seed ${seed})`);
  }
  watch.stop();
  cluster.runUntilIdle();
  return { name: 'create-pod', seed, entries: collect(cluster, [createFlow, watchFlow], start), flows: [createFlow, watchFlow], cluster };
}

/** Get pods: `kubectl get pods` — authenticated, validated, read from etcd only. */
export function recordGetPods(seed = 1, options: ClusterOptions = {}): FlowRecording {
  const cluster = readyCluster(seed, options);
  cluster.client.create(NGINX_POD);
  cluster.runUntil(() => phaseOf(cluster, 'nginx') === 'Running', { timeout: 120_000 });
  cluster.runUntilIdle();
  const start = cluster.kernel.trace.total;
  cluster.client.list('pods', { namespace: 'default' });
  const flow = flowLabel({ verb: 'list', resource: 'pods', namespace: 'default' });
  cluster.runUntilIdle();
  return { name: 'get-pods', seed, entries: collect(cluster, [flow], start), flows: [flow], cluster };
}

/** Delete pod: graceful stop on the node, status to the API server, removal from etcd. */
export function recordDeletePod(seed = 1, options: ClusterOptions = {}): FlowRecording {
  const cluster = readyCluster(seed, options);
  cluster.client.create(NGINX_POD);
  if (!cluster.runUntil(() => phaseOf(cluster, 'nginx') === 'Running', { timeout: 120_000 })) {
    throw new Error(`nginx did not reach Running (seed ${seed})`);
  }
  cluster.runUntilIdle();
  const start = cluster.kernel.trace.total;
  cluster.client.delete('pods', 'nginx', { namespace: 'default' });
  const flow = flowLabel({ verb: 'delete', resource: 'pods', namespace: 'default', name: 'nginx' });
  if (!cluster.runUntil(() => cluster.object('pods', 'nginx') === undefined, { timeout: 120_000 })) {
    throw new Error(`nginx was not removed from etcd within 120 s of simulated time (seed ${seed})`);
  }
  cluster.runUntilIdle();
  return { name: 'delete-pod', seed, entries: collect(cluster, [flow], start), flows: [flow], cluster };
}

/** Runs a documented flow by name. */
export function recordFlow(name: FlowName, seed = 1, options: ClusterOptions = {}): FlowRecording {
  switch (name) {
    case 'create-pod':
      return recordCreatePod(seed, options);
    case 'get-pods':
      return recordGetPods(seed, options);
    case 'delete-pod':
      return recordDeletePod(seed, options);
    default:
      throw new RangeError(`unknown flow "${String(name)}"; the flows are ${FLOW_NAMES.join(', ')}`);
  }
}
