/**
 * What the kubelet writes about its node (pkg/kubelet/kubelet_node_status.go and
 * pkg/kubelet/nodelease): the Node object it registers, the conditions of its status updates, and
 * the Lease it renews in `kube-node-lease`.
 */
import type { Node } from '../../src/api/types.js';
import type { RequestSpec } from '../client/api-client.js';
import type { NodeSpec } from './node-spec.js';
import { DEFAULT_KUBELET_CONFIG } from './configuration.js';
import { nodeAllocatable } from './node-allocatable.js';

/** The namespace of the nodes' Leases. */
const NODE_LEASE_NS = 'kube-node-lease';

/** The Lease's duration (the kubelet's nodeLeaseDurationSeconds: 40). */
const LEASE_DURATION_SECONDS = 40;

/** The node's allocatable resources: as given, or capacity less the kubelet's reservations and hard eviction thresholds. */
export function allocatableOf(spec: NodeSpec): Record<string, string> {
  return spec.allocatable ?? nodeAllocatable(spec.kubelet ?? DEFAULT_KUBELET_CONFIG, spec.capacity);
}

/** A pressure condition's status as the eviction manager last set it, and since when. */
export interface PressureCondition {
  readonly status: boolean;
  readonly since: string;
}

/** The pressure conditions as the eviction manager last set them (a missing one: never under pressure). */
export type NodePressure = Readonly<Partial<Record<'MemoryPressure' | 'DiskPressure' | 'PIDPressure', PressureCondition>>>;

/** Per condition, the reason and message of the kubelet's setter when True and when False (pkg/kubelet/nodestatus). */
const PRESSURE_TEXTS = {
  MemoryPressure: { true: ['KubeletHasInsufficientMemory', 'kubelet has insufficient memory available'], false: ['KubeletHasSufficientMemory', 'kubelet has sufficient memory available'] },
  DiskPressure: { true: ['KubeletHasDiskPressure', 'kubelet has disk pressure'], false: ['KubeletHasNoDiskPressure', 'kubelet has no disk pressure'] },
  PIDPressure: { true: ['KubeletHasInsufficientPID', 'kubelet has insufficient PID available'], false: ['KubeletHasSufficientPID', 'kubelet has sufficient PID available'] },
} as const;

/** The Node object the kubelet registers. */
export function nodeObject(spec: NodeSpec, now: string, ready = true, pressure: NodePressure = {}): Node {
  const allocatable = allocatableOf(spec);
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    ...(spec.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    ...(spec.labels ?? {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: spec.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR], ...(spec.taints && spec.taints.length > 0 ? { taints: spec.taints } : {}) },
    status: {
      capacity: spec.capacity,
      allocatable,
      conditions: nodeConditions(now, ready, pressure),
      addresses: [
        { type: 'InternalIP', address: spec.address },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: spec.name,
        systemUUID: spec.name,
        bootID: spec.name,
        kernelVersion: '6.1.0-kube-actors',
        osImage: 'kube-actors simulated node',
        containerRuntimeVersion: 'containerd://1.7.0-sim',
        kubeletVersion: 'v1.32.0-sim',
        kubeProxyVersion: 'v1.32.0-sim',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

function nodeConditions(now: string, ready: boolean, pressure: NodePressure) {
  // the MemoryPressure, DiskPressure and PIDPressure setters (pkg/kubelet/nodestatus): True while the eviction manager reports the condition
  const condition = (type: keyof typeof PRESSURE_TEXTS) => {
    const p = pressure[type];
    const [reason, message] = PRESSURE_TEXTS[type][p?.status ? 'true' : 'false'];
    return { type, status: p?.status ? 'True' : 'False', lastHeartbeatTime: now, lastTransitionTime: p?.since ?? now, reason, message };
  };
  return [
    condition('MemoryPressure'),
    condition('DiskPressure'),
    condition('PIDPressure'),
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      lastHeartbeatTime: now,
      lastTransitionTime: now,
      reason: ready ? 'KubeletReady' : 'KubeletNotReady',
      message: ready ? 'kubelet is posting ready status' : 'container runtime is down',
    },
  ];
}

/** True when the server's copy of the Node is not Ready (the node lifecycle controller marked it Unknown). */
export function markedNotReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True';
}

/** The registration: `create nodes` with the Node object (registerWithAPIServer). */
export function registerRequest(spec: NodeSpec, now: string): RequestSpec {
  return { verb: 'create', resource: 'nodes', body: nodeObject(spec, now) };
}

/** The node status update: the conditions with a fresh heartbeat time (tryUpdateNodeStatus). */
export function nodeStatusRequest(spec: NodeSpec, now: string, pressure: NodePressure = {}): RequestSpec {
  const node = nodeObject(spec, now, true, pressure);
  return { verb: 'patch', resource: 'nodes', subresource: 'status', name: spec.name, query: { patchType: 'merge' }, body: { status: { conditions: node.status!.conditions } } };
}

function leaseSpec(spec: NodeSpec, now: string) {
  return { holderIdentity: spec.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now.replace('Z', '.000000Z') };
}

/** The node Lease's creation (nodelease controller, when the Lease is missing). */
export function createLeaseRequest(spec: NodeSpec, now: string): RequestSpec {
  const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: spec.name, namespace: NODE_LEASE_NS }, spec: leaseSpec(spec, now) };
  return { verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: NODE_LEASE_NS, body: lease };
}

/** The node Lease's renewal: its renewTime moved to now. */
export function renewLeaseRequest(spec: NodeSpec, now: string): RequestSpec {
  return { verb: 'patch', resource: 'leases', group: 'coordination.k8s.io', namespace: NODE_LEASE_NS, name: spec.name, query: { patchType: 'merge' }, body: { spec: leaseSpec(spec, now) } };
}
