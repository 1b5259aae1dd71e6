/**
 * Test harness for the controllers: a cluster without kubelets (`createCluster({ nodes: 0 })`)
 * running only the controllers under test, and a fake kubelet that is a real component on the
 * kernel (an API client and a pod informer at `fake-kubelet`): it makes pods Running and Ready
 * after a delay, and finishes graceful deletions, so tests can step the kernel themselves and
 * check invariants after every step.
 */
import { createMachine } from 'xstate';
import { createCluster, type Cluster, type ClusterOptions } from '../../../src/cluster/create-cluster.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import { Port } from '../../../src/kernel/port.js';
import type { KubeObject, Node, Pod } from '../../../src/api/types.js';
import { ApiClient } from '../../../machines/client/api-client.js';
import { Informer } from '../../../machines/client/informer.js';
import type { ApiResponse, WatchClosed, WatchEvent } from '../../../machines/protocol.js';
import { controllerRuntimeOf, type ControllerMachine } from '../../../machines/controllers/controller.js';
import type { ControllerRuntime } from '../../../machines/controllers/runtime.js';

/** A scheduler that does nothing (pods stay unbound unless a test binds them). */
const idleScheduler = createMachine({ id: 'idle-scheduler' });

/** A cluster with no nodes, no scheduling, and only the named controllers. */
export function miniCluster(enabled: readonly string[], options: Omit<ClusterOptions, 'nodes'> & { controllers?: ControllerMachine[]; controllerOptions?: Record<string, Record<string, unknown>> } = {}): Cluster {
  const { controllers, controllerOptions, ...rest } = options;
  const cluster = createCluster({
    seed: 7,
    ...rest,
    nodes: 0,
    logic: { scheduler: idleScheduler, ...(rest.logic ?? {}) },
    controllerManager: { enabled, ...(controllers ? { controllers } : {}), ...(controllerOptions ? { options: controllerOptions } : {}) },
  });
  cluster.advance(1_000); // informers synced
  return cluster;
}

/** The runtime of a controller of the cluster's controller manager. */
export function runtime(cluster: Cluster, name: string): ControllerRuntime {
  const cm = cluster.actor('controller-manager')!;
  const ref = (cm.getSnapshot() as { context: { controllers: Record<string, never> } }).context.controllers[name];
  if (!ref) throw new Error(`controller ${name} is not running`);
  return controllerRuntimeOf(ref)!;
}

/** Options of the fake kubelet. */
export interface FakeKubeletOptions {
  /** Time from a pod's creation until it is Running and Ready. Default 1000 ms. */
  readyAfterMs?: number;
  /** Time from a graceful deletion until the pod is gone. Default 100 ms. */
  terminateAfterMs?: number;
  /** Pods it leaves alone (never made ready). */
  skip?: (pod: Pod) => boolean;
}

/** A kubelet stand-in: marks pods Running/Ready and completes graceful deletions, through the API. */
export class FakeKubelet {
  readonly address = 'fake-kubelet';
  private readonly client: ApiClient;
  private readonly informer: Informer<Pod>;
  private nextIp = 1;
  private readonly handled = new Set<string>();
  private readonly terminating = new Set<string>();
  /** Pods (uid) made ready, in order. */
  readonly readied: string[] = [];

  constructor(
    private readonly kernel: Kernel,
    token: string,
    private readonly options: FakeKubeletOptions = {},
  ) {
    const port = new Port(kernel, this.address);
    kernel.register(this.address, this, { host: 'fake-node' });
    this.client = new ApiClient(port, token);
    this.informer = new Informer<Pod>(this.client, { resource: 'pods' }, { onAdd: (p) => this.seen(p), onUpdate: (_, p) => this.seen(p) });
    this.informer.start(true);
  }

  /** Kernel delivery. */
  send(event: ApiResponse | WatchEvent | WatchClosed): void {
    if (event.type === 'api.response') this.client.handle(event);
    else this.informer.handle(event);
  }

  private seen(pod: Pod): void {
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) {
      if (this.terminating.has(uid)) return;
      this.terminating.add(uid);
      this.kernel.setTimer(() => {
        this.client.request({ verb: 'delete', resource: 'pods', namespace: pod.metadata!.namespace, name: pod.metadata!.name, query: { gracePeriodSeconds: 0 }, body: { preconditions: { uid } } });
      }, this.options.terminateAfterMs ?? 100);
      return;
    }
    if (this.handled.has(uid) || this.options.skip?.(pod)) return;
    this.handled.add(uid);
    const ip = `10.1.${this.nextIp >> 8}.${this.nextIp & 255}`;
    this.nextIp++;
    this.kernel.setTimer(() => {
      const current = this.informer.store.get(`${pod.metadata!.namespace}/${pod.metadata!.name}`);
      if (!current || current.metadata?.uid !== uid || current.metadata?.deletionTimestamp) return;
      this.readied.push(uid);
      this.client.request({
        verb: 'patch',
        resource: 'pods',
        subresource: 'status',
        namespace: pod.metadata!.namespace,
        name: pod.metadata!.name,
        query: { patchType: 'merge' },
        body: { status: runningStatus(this.kernel, ip) },
      });
    }, this.options.readyAfterMs ?? 1_000);
  }
}

/** A Running, Ready pod status as a kubelet reports it. */
export function runningStatus(kernel: Kernel, ip: string, ready = true): Record<string, unknown> {
  const now = kernel.timestamp();
  return {
    phase: 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    startTime: now,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: 'True', lastTransitionTime: now },
      { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: now },
      { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now },
    ],
  };
}

/** A pod template for the given labels. */
export function template(labels: Record<string, string>, image = 'nginx:1.27'): Record<string, unknown> {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
  };
}

/** Objects as etcd holds them (copies: safe to change). */
export function objects<T extends KubeObject = KubeObject & Record<string, any>>(cluster: Cluster, resource: string, namespace = 'default'): T[] {
  return structuredClone(cluster.objects(resource, namespace) as T[]);
}

/** One object as etcd holds it (a copy), or undefined. */
export function object<T extends KubeObject = KubeObject & Record<string, any>>(cluster: Cluster, resource: string, name: string, namespace = 'default'): T | undefined {
  const o = cluster.object(resource, name, namespace) as T | undefined;
  return o ? structuredClone(o) : undefined;
}

/** Pods that are not being deleted and not finished. */
export function activePods(cluster: Cluster, namespace = 'default'): Pod[] {
  return objects<Pod>(cluster, 'pods', namespace).filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded');
}

/** True when the pod's Ready condition is True. */
export function ready(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Creates a Node object (no kubelet behind it) with a Ready condition. */
export function createNode(cluster: Cluster, name: string, readyStatus: 'True' | 'False' = 'True'): Node {
  const node = cluster.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } } as Node);
  const now = cluster.kernel.timestamp();
  cluster.client.request({
    verb: 'patch',
    resource: 'nodes',
    subresource: 'status',
    name,
    query: { patchType: 'merge' },
    body: {
      status: {
        capacity: { cpu: '4', memory: '16Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: readyStatus, reason: readyStatus === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    },
  });
  return node;
}

/** Binds a pod to a node (as the scheduler would). */
export function bind(cluster: Cluster, pod: Pod, node: string): void {
  const res = cluster.client.request({
    verb: 'create',
    resource: 'pods',
    subresource: 'binding',
    namespace: pod.metadata!.namespace,
    name: pod.metadata!.name,
    body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: pod.metadata!.name }, target: { kind: 'Node', name: node } },
  });
  if (res.code >= 300) throw new Error(`binding ${pod.metadata!.name}: ${res.code} ${JSON.stringify(res.body)}`);
}

/** Runs the kernel one event at a time until `done` holds or `timeout` ms pass, calling `check` after every event. */
export function stepUntil(cluster: Cluster, done: () => boolean, check: () => void, timeout = 600_000): boolean {
  const deadline = cluster.now() + timeout;
  check();
  while (!done()) {
    const next = cluster.kernel.step();
    if (!next || cluster.now() > deadline) return done();
    check();
  }
  return true;
}
